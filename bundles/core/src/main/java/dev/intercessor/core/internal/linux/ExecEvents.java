package dev.intercessor.core.internal.linux;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The host's exec events, from the kernel's proc connector, so that handles bound to a process's
 * memory can be known stale. A {@code /proc/<pid>/mem} or {@code maps} fd keeps reaching the memory
 * the process had when it was opened; after an exec that memory may live on in another process
 * (the vfork parent, a CLONE_VM sibling), and a write through the old fd would land there.
 * <p>
 * The kernel queues an exec's event before the new program runs, so before that program can make
 * a call: a thread that has received a notification and then finds the socket empty has seen
 * every exec that came before the call. Whoever drains the socket advances {@link #generation()}
 * first.
 */
public final class ExecEvents implements AutoCloseable {

    private final int fd;
    private final AtomicLong generation = new AtomicLong();

    private ExecEvents(int fd) {
        this.fd = fd;
    }

    /**
     * Subscribes to exec events only (the connector's filter, Linux 6.6). Needs CAP_NET_ADMIN in
     * the host's user namespace.
     */
    public static ExecEvents open() throws LinuxException {
        return new ExecEvents(ProcConnector.openExecEvents());
    }

    /** @return the socket to poll: readable (or in error) when an exec may not be counted yet */
    int fd() {
        return fd;
    }

    /** @return how many times execs were seen; handles opened at an older value may be stale */
    long generation() {
        return generation.get();
    }

    /** Counts the execs the socket holds (or lost: ENOBUFS), then drains it. */
    void consume() {
        generation.incrementAndGet(); // before draining: see the class comment
        ProcConnector.drain(fd, Scratch.get().file);
    }

    @Override
    public void close() {
        Linux.close(fd);
    }
}
