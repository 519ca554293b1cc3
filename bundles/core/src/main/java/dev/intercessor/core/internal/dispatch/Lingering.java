package dev.intercessor.core.internal.dispatch;

import java.util.function.BooleanSupplier;

import dev.intercessor.core.internal.linux.Linux;
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
     * Serves the call epoll reported, then those that come within {@code waitNanos} of each other.
     *
     * @param waitNanos how long to wait for each next call (0: serve the one epoll reported, no more)
     */
    End serve(ServingThread thread, NotifyChannel channel, long waitNanos) {
        Seccomp.Buffers buffers = thread.buffers;
        for (int served = 0; served < burst && running.getAsBoolean(); served++) {
            boolean waited = served > 0;
            if (waited) {
                int events = waitNanos == 0 ? 0
                        : channel.callers().linger(channel.fd(), buffers.pollfd, buffers.timespec, waitNanos,
                                thread.seen);
                if ((events & Linux.POLLIN) == 0) {
                    return (events & Linux.POLLHUP) != 0 ? End.LET_GO : End.QUIET;
                }
            }
            SeccompNotif call = Seccomp.receive(channel.fd(), buffers);
            if (call == null) {
                continue; // the caller was killed before we got to it
            }
            // After a wait, its poll vouches for the cached caller handles; else none did.
            if (dispatcher.serve(thread, channel, call, 0, waited ? thread.seen : null)) {
                return End.LET_GO; // the caller makes its own listener once this one is closed
            }
        }
        return running.getAsBoolean() ? End.BURST : End.QUIET;
    }
}
