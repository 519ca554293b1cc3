package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.core.internal.linux.Seccomp;

/**
 * The watchdog over handlers that hold a notify thread: a handler can block in the kernel on
 * something the container controls (a page of its memory behind a filesystem that waits, say),
 * where only a fatal signal reaches it. Such a call is answered with EINTR once it has run for
 * {@code stuckNanos}, and a thread is started in place of the one held; that one ends when the
 * kernel lets it go ({@link ServingThread.Abandoned}). While
 * {@value Dispatcher#STUCK_PER_CONTAINER} threads are held for one container, its handler calls
 * get EAGAIN without a handler, so it cannot take every thread.
 */
final class StuckCalls {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.notify");

    private final long stuckNanos;
    private final Runnable replaceThread;
    private final Set<ServingThread> threads = ConcurrentHashMap.newKeySet();
    private final Seccomp.Buffers buffers = new Seccomp.Buffers();
    private volatile boolean running = true;

    /** @param replaceThread starts a notify thread in place of one a stuck call holds */
    StuckCalls(int stuckCallMillis, ScheduledExecutorService timer, Runnable replaceThread) {
        this.stuckNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(100, stuckCallMillis));
        this.replaceThread = replaceThread;
        long period = Math.max(50, stuckNanos / 4);
        timer.scheduleAtFixedRate(this::answerStuckCalls, period, period, TimeUnit.NANOSECONDS);
    }

    void add(ServingThread thread) {
        threads.add(thread);
    }

    void remove(ServingThread thread) {
        threads.remove(thread);
    }

    /** @return the notify threads running now (a held one and its replacement both count) */
    int threads() {
        return threads.size();
    }

    void stop() {
        running = false;
    }

    /** Runs on the timer's one thread only (so {@link #buffers} is its own). */
    private void answerStuckCalls() {
        long now = System.nanoTime();
        for (ServingThread thread : threads) {
            NotifyChannel channel = thread.channel;
            long id = thread.id;
            long since = thread.since;
            if (channel == null || thread.abandoned || now - since < stuckNanos || thread.channel != channel
                    || !running || !channel.acquire()) {
                continue;
            }
            try {
                thread.abandoned = true;
                channel.session().stuckCallStarted();
                if (channel.answer(AnswerSink.KERNEL, buffers, id, Response.errno(Errno.EINTR)) >= 0) {
                    LOG.log(Level.WARNING, () -> "container " + channel.session().containerId() + ": a call has "
                            + "waited " + TimeUnit.NANOSECONDS.toMillis(now - since) + " ms in its handler (blocked "
                            + "on something the container controls): answered EINTR; a new notify thread takes the "
                            + "held one's place");
                } // else ENOENT: answered meanwhile, or the caller died; the thread ends anyway
            } finally {
                channel.releaseReference();
            }
            replaceThread.run();
        }
    }
}
