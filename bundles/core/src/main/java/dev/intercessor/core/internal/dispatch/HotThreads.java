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
 * with {@link Linux#WAKE_SIGNAL}, sent only while the thread waits in RECV
 * ({@link ServingThread#wakeIfReceiving}). Calls that need a handler are served the same way: a
 * handler that uses the caller's kept /proc handles vouches for them with a poll of its own
 * ({@code CallerHandles.Cache.take}), cheaper than waiting in a ppoll that watches them. At most
 * {@code limit} at a time, so the others keep serving every other container through epoll. 0 turns
 * this off.
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
     * Stays with a busy container while a hot slot is free, until it goes quiet: every call served
     * from a blocking NOTIF_RECV.
     *
     * @return whether the channel is to be let go of
     */
    boolean serve(ServingThread thread, NotifyChannel channel, Dispatcher dispatcher) {
        if (count.incrementAndGet() > limit) {
            count.decrementAndGet();
            return false;
        }
        thread.servedAtLastLook = thread.servedSoFar();
        hot.add(thread);
        timer.schedule(() -> coolDown(thread), hotIdleNanos, TimeUnit.NANOSECONDS);
        try {
            return receive(thread, channel, dispatcher);
        } finally {
            hot.remove(thread);
            count.decrementAndGet();
        }
    }

    /**
     * Serves calls from a blocking NOTIF_RECV until the container goes quiet (or the supervisor stops).
     *
     * @return whether the channel is to be let go of
     */
    private boolean receive(ServingThread thread, NotifyChannel channel, Dispatcher dispatcher) {
        Seccomp.Buffers buffers = thread.buffers;
        thread.leave = false;
        while (running && !thread.leave) {
            SeccompNotif call;
            thread.receiving();
            try {
                call = Seccomp.receive(channel.fd(), buffers);
            } finally {
                thread.received(); // no wake signal from here on
            }
            if (call == null) {
                // The watchdog's signal (thread.leave is set), a caller that died, or the whole
                // container (then RECV no longer blocks, and the fd polls POLLHUP)
                if ((Seccomp.await(channel.fd(), buffers, 0) & Linux.POLLHUP) != 0) {
                    return false; // epoll reports the hang-up next
                }
                continue;
            }
            thread.served();
            if (dispatcher.serve(thread, channel, call, 0, null)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes a hot thread back once its container has gone quiet: it looks every hotIdle, and a
     * thread that served no call since the last look (quiet for one to two hotIdle) is asked to
     * leave; from then every millisecond until it has left (it may have been busy with a call when
     * asked, or the signal landed just before it blocked). The thread only counts its calls; it
     * reads no clock for this. Nothing ticks while no thread is hot.
     */
    private void coolDown(ServingThread thread) {
        if (!hot.contains(thread)) {
            return;
        }
        long served = thread.servedSoFar();
        long next = hotIdleNanos;
        if (!running || thread.leave || served == thread.servedAtLastLook) {
            thread.leave = true;
            thread.wakeIfReceiving();
            next = TimeUnit.MILLISECONDS.toNanos(1);
        }
        thread.servedAtLastLook = served;
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
            t.wakeIfReceiving();
        }
    }
}
