package dev.intercessor.core.internal.dispatch;

import java.util.function.BooleanSupplier;

import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.linux.SeccompNotif;

/**
 * Serves one container's calls as they come, waiting for each in ppoll on its notify fd: woken on
 * the caller's CPU (through epoll it would not be), and the same poll vouches for the caller's
 * cached /proc handles, so a handler's call needs no check of its own. Ends when the container is
 * quiet for the given time or a burst has been served.
 */
final class Lingering {

    /** How serving ended. */
    enum End {
        /** A burst was served: the container is busy. */
        BURST,
        /** Nothing came in time (or the supervisor stops). */
        QUIET,
        /** The channel is to be let go of. */
        LET_GO
    }

    private final Dispatcher dispatcher;
    private final int burst;
    /** Whether the supervisor still serves (the multiplexer's). */
    private final BooleanSupplier running;

    /** @param burst how many calls in a row make a burst */
    Lingering(Dispatcher dispatcher, int burst, BooleanSupplier running) {
        this.dispatcher = dispatcher;
        this.burst = Math.max(1, burst);
        this.running = running;
    }

    /**
     * @param waitFirst  whether to wait before the first call too (else epoll reported it)
     * @param waitNanos  how long to wait for each call (0: serve the one epoll reported, no more)
     * @param hot       whether a hot thread serves (it holds a {@link HotThreads} slot): then only
     *                  calls answered on the fast path count towards the burst, so it stays while
     *                  the container's calls need handlers, and the watchdog sees when it served
     */
    End serve(ServingThread thread, NotifyChannel channel, boolean waitFirst, long waitNanos, boolean hot) {
        Seccomp.Buffers buffers = thread.buffers;
        for (int served = 0; served < burst && running.getAsBoolean(); ) {
            boolean waited = served > 0 || waitFirst;
            if (waited) {
                int events = waitNanos == 0 ? 0
                        : channel.callers().linger(channel.fd(), buffers.pollfd, buffers.timespec, waitNanos,
                                thread.seen);
                if ((events & Linux.POLLIN) == 0) {
                    return (events & Linux.POLLHUP) != 0 ? End.LET_GO : End.QUIET;
                }
            }
            SeccompNotif call;
            try {
                call = Seccomp.receive(channel.fd(), buffers);
            } catch (LinuxException e) {
                served++;
                continue; // ENOENT: the caller was killed before we got to it
            }
            long received = 0;
            if (hot) {
                received = System.nanoTime();
                thread.lastServed = received;
            }
            long slowBefore = thread.slowCalls();
            // After a wait, its poll vouches for the cached caller handles; else none did.
            if (dispatcher.serve(thread, channel, call, received, waited && waitNanos > 0 ? thread.seen : null)) {
                return End.LET_GO; // the caller makes its own listener once this one is closed
            }
            served = hot && thread.slowCalls() != slowBefore ? 0 : served + 1;
        }
        return running.getAsBoolean() ? End.BURST : End.QUIET;
    }
}
