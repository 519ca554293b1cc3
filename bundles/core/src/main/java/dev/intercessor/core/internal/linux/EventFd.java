package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/** An eventfd used to wake threads blocked in epoll (it stays readable once signalled). */
public final class EventFd implements AutoCloseable {

    private static final int EFD_CLOEXEC = Linux.O_CLOEXEC;
    private static final int EFD_NONBLOCK = Linux.O_NONBLOCK;

    private final int fd;
    /** The 8-byte counter value 1, written by every signal (the kernel only reads it). */
    private final Pointer one = Linux.allocate(8);

    public EventFd() throws LinuxException {
        fd = Linux.check("eventfd", Linux.libc().eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        one.putLong(0, 1);
    }

    public int fd() {
        return fd;
    }

    public void signal() {
        Linux.libc().write(fd, one, 8);
    }

    @Override
    public void close() {
        Linux.close(fd);
    }
}
