package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * {@code ppoll(2)} over an array of {@code struct pollfd} (include/uapi/asm-generic/poll.h:
 * {int fd; short events; short revents}, 8 bytes) in a thread's reused native memory; a codec
 * rather than a jnr Struct, so that waiting allocates nothing.
 */
final class PollFds {

    static final int SIZE = 8;
    private static final int FD = 0;
    private static final int EVENTS = 4;
    private static final int REVENTS = 6;

    /** {@code struct timespec} {long tv_sec; long tv_nsec} on a 64-bit host. */
    static final int TIMESPEC_SIZE = 16;
    private static final int TV_SEC = 0;
    private static final int TV_NSEC = 8;

    private PollFds() {
    }

    /**
     * Sets entry {@code index} to wait for {@code fd} to become readable (revents cleared).
     *
     * @return the next index
     */
    static int watchReadable(Pointer fds, int index, int fd) {
        fds.putInt((long) SIZE * index + FD, fd);
        fds.putShort((long) SIZE * index + EVENTS, Linux.POLLIN);
        fds.putShort((long) SIZE * index + REVENTS, (short) 0);
        return index + 1;
    }

    /** @return the events the kernel reported for entry {@code index} */
    static int revents(Pointer fds, int index) {
        return fds.getShort((long) SIZE * index + REVENTS);
    }

    /**
     * @return poll's result without waiting (poll, not ppoll: no timespec or signal mask to copy
     *         in); -1 on a failure, whose errno is not kept (callers take it as "look closer")
     */
    static int pollNow(Pointer fds, int count) {
        return Linux.unsaved().poll(fds, count, 0);
    }

    /**
     * Waits up to {@code nanos} for an entry's event.
     *
     * @param timeout a {@link #TIMESPEC_SIZE}-byte buffer, written here
     * @return ppoll's result: the number of entries with events, 0 when time is up, -1 on a signal
     */
    static int poll(Pointer fds, int count, Pointer timeout, long nanos) {
        timeout.putLong(TV_SEC, nanos / 1_000_000_000L);
        timeout.putLong(TV_NSEC, nanos % 1_000_000_000L);
        return Linux.libc().ppoll(fds, count, timeout, null);
    }
}
