package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/** An eventfd used to wake threads blocked in epoll (it stays readable once signalled). */
public final class EventFd implements AutoCloseable {

    private static final int EFD_CLOEXEC = Linux.O_CLOEXEC;
    private static final int EFD_NONBLOCK = Linux.O_NONBLOCK;

    private final int fd;

    public EventFd() throws LinuxException {
        fd = Linux.check("eventfd", Linux.libc().eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    }

    public int fd() {
        return fd;
    }

    public void signal() {
        Pointer one = Linux.allocate(8);
        one.putLong(0, 1);
        Linux.libc().write(fd, one, 8);
    }

    @Override
    public void close() {
        Linux.close(fd);
    }
}
