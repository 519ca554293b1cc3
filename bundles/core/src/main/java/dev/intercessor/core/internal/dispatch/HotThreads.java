package dev.intercessor.core.internal.dispatch;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.linux.SeccompNotif;

/**
 * Hot threads: a thread that served a full burst of one container stays with it, blocked in
 * NOTIF_RECV on its fd (one system call per call instead of ppoll + RECV, woken on the caller's
 * CPU), until the container has been quiet for {@code hotIdleNanos}; a watchdog then interrupts it
 * with {@link Linux#WAKE_SIGNAL}. While the container's calls need handlers it waits in ppoll
 * instead, for up to that long. At most {@code limit} at a time, so the others keep serving every
 * other container through epoll. 0 turns this off.
 * <p>
 * The quiet time is several scheduler slices: with more busy callers than CPUs, a container is
 * often off the CPU for a few ms between calls, and a thread that left it at each such gap would
 * pay the epoll path and a new burst every time.
 */
final class HotThreads {

    private final int limit;
    private final long hotIdleNanos;
    private final ScheduledExecutorService timer;
    private final AtomicInteger count = new AtomicInteger();
    private final Set<ServingThread> hot = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;

    HotThreads(int limit, int hotIdleMillis, ScheduledExecutorService timer) throws LinuxException {
        this.limit = limit;
        this.hotIdleNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, hotIdleMillis));
        this.timer = timer;
        if (limit > 0) {
            Linux.installWakeSignal();
        }
    }

    boolean enabled() {
        return limit > 0;
    }

    int limit() {
        return limit;
    }

    int now() {
        return hot.size();
    }

    /**
     * Stays with a busy container while a hot slot is free, until it goes quiet: its calls
     * answered on the fast path from a blocking NOTIF_RECV (one system call each); once one needs
     * more (a handler, a check that reads /proc: run with the wake signal held back, {@link
     * ServingThread#leaveFastPath}), waiting in ppoll as {@code lingering} does, whose poll also
     * vouches for the caller's cached handles, until a burst of calls needs no handler again.
     * In a blocking RECV each handler call would pay a poll of its own and two signal-mask
     * changes; going back to epoll would cost a wake-up on another CPU.
     *
     * @return whether the channel is to be let go of
     */
    boolean serve(ServingThread thread, NotifyChannel channel, Dispatcher dispatcher, Lingering lingering) {
        if (count.incrementAndGet() > limit) {
            count.decrementAndGet();
            return false;
        }
        thread.lastServed = System.nanoTime();
        hot.add(thread);
        timer.schedule(() -> coolDown(thread), hotIdleNanos, TimeUnit.NANOSECONDS);
        try {
            while (running) {
                Boolean letGo = receive(thread, channel, dispatcher);
                if (letGo != null) {
                    return letGo;
                }
                Lingering.End end = lingering.serve(thread, channel, true, hotIdleNanos, true);
                if (end != Lingering.End.BURST) {
                    return end == Lingering.End.LET_GO;
                }
            }
            return false;
        } finally {
            hot.remove(thread);
            count.decrementAndGet();
        }
    }

    /**
     * Serves calls from a blocking NOTIF_RECV until the container goes quiet or a call leaves
     * the fast path.
     *
     * @return whether the channel is to be let go of, or null if a call left the fast path
     */
    private Boolean receive(ServingThread thread, NotifyChannel channel, Dispatcher dispatcher) {
        Seccomp.Buffers buffers = thread.buffers;
        thread.enterHot();
        try {
            while (running && !thread.leave) {
                SeccompNotif call;
                try {
                    call = Seccomp.receive(channel.fd(), buffers);
                } catch (LinuxException e) {
                    if (e.errno() == Linux.EINTR) {
                        continue; // the watchdog (thread.leave is set), or a stale signal
                    }
                    // ENOENT: a caller died, or the whole container did (then RECV no longer blocks)
                    if ((Seccomp.await(channel.fd(), buffers, 0) & Linux.POLLHUP) != 0) {
                        return false; // epoll reports the hang-up next
                    }
                    continue;
                }
                long received = System.nanoTime();
                thread.lastServed = received;
                long slowBefore = thread.slowCalls();
                if (dispatcher.serve(thread, channel, call, received, null)) {
                    return true;
                }
                if (thread.slowCalls() != slowBefore) {
                    return null;
                }
            }
            return false;
        } finally {
            thread.leaveHot();
        }
    }

    /**
     * Takes a hot thread back once its container has gone quiet. While the container is busy it
     * looks again when the thread could next be due; after signalling, every millisecond until the
     * thread has left (the signal may have come just before it blocked). Nothing ticks while no
     * thread is hot.
     */
    private void coolDown(ServingThread thread) {
        if (!hot.contains(thread)) {
            return;
        }
        long next = hotIdleNanos - (System.nanoTime() - thread.lastServed);
        if (!running || next <= 0) {
            thread.leave = true;
            Linux.wake(thread.tid);
            next = TimeUnit.MILLISECONDS.toNanos(1);
        }
        try {
            timer.schedule(() -> coolDown(thread), next, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down: stop() signals every hot thread itself
        }
    }

    /** Sends every hot thread back (the supervisor stops). */
    void stop() {
        running = false;
        for (ServingThread t : hot) {
            t.leave = true;
            Linux.wake(t.tid);
        }
    }
}
