package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * An epoll instance. Each event ({@link EpollEvent}) carries a caller-chosen 64-bit key in its data
 * word.
 */
public final class Epoll implements AutoCloseable {

    public static final int EVENT_SIZE = EpollEvent.SIZE;

    private final int fd;

    public Epoll() throws LinuxException {
        fd = Linux.check("epoll_create1", Linux.libc().epoll_create1(Linux.EPOLL_CLOEXEC));
    }

    public int fd() {
        return fd;
    }

    public void add(int target, int events, long key) throws LinuxException {
        control(Linux.EPOLL_CTL_ADD, target, events, key, Linux.allocate(EVENT_SIZE));
    }

    /** Re-arms a one-shot registration, using the caller's scratch event buffer. */
    public void modify(int target, int events, long key, Pointer scratch) throws LinuxException {
        control(Linux.EPOLL_CTL_MOD, target, events, key, scratch);
    }

    public void remove(int target) {
        Linux.libc().epoll_ctl(fd, Linux.EPOLL_CTL_DEL, target, Linux.allocate(EVENT_SIZE));
    }

    private void control(int op, int target, int events, long key, Pointer event)
            throws LinuxException {
        EpollEvent.put(event, events, key);
        Linux.check("epoll_ctl", Linux.libc().epoll_ctl(fd, op, target, event));
    }

    /** @return the number of events written into {@code events}; 0 on EINTR or timeout */
    public int await(Pointer events, int max, int timeoutMillis) throws LinuxException {
        int n = Linux.libc().epoll_wait(fd, events, max, timeoutMillis);
        if (n < 0) {
            int errno = Linux.errno();
            if (errno == Linux.EINTR) {
                return 0;
            }
            throw new LinuxException("epoll_wait", errno);
        }
        return n;
    }

    public static int events(Pointer events, int index) {
        return EpollEvent.events(events, index);
    }

    public static long key(Pointer events, int index) {
        return EpollEvent.data(events, index);
    }

    @Override
    public void close() {
        Linux.close(fd);
    }
}
