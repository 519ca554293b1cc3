package dev.intercessor.core.internal.dispatch;

import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.Seccomp;

/**
 * What one notify thread carries from call to call: its native buffers, its view of a channel's
 * cached caller handles, whether it waits hot, and what it dispatches now (for the watchdog, which
 * only reads it). Written by that thread only, except {@link #leave} and {@link #abandoned}.
 */
final class ServingThread {

    final int tid = Linux.gettid();
    final Seccomp.Buffers buffers = new Seccomp.Buffers();
    /** This thread's view of a channel's cached caller handles, from its last linger. */
    final CallerHandles.Seen seen = new CallerHandles.Seen();

    /** The call a handler runs for now: set {@link #channel} last, non-null while it runs. */
    volatile long id;
    volatile long since;
    volatile NotifyChannel channel;
    /** Set by the watchdog: it answered this thread's call, and the thread ends when the handler returns. */
    volatile boolean abandoned;

    /** Hot: when it last served its container, and whether the watchdog asks it to go back to epoll. */
    volatile long lastServed;
    volatile boolean leave;
    /** Whether it accepts the wake signal now (only while it waits in a hot NOTIF_RECV). */
    private boolean accepting;
    /** Calls that left the fast path ({@link #leaveFastPath}). */
    private long slowCalls;

    /** Only RECV, SEND and pure Java run from here until {@link #leaveHot} or {@link #leaveFastPath}. */
    void enterHot() {
        leave = false;
        Linux.acceptWake(true);
        accepting = true;
    }

    /** Stops accepting the wake signal (a signal that comes late stays pending until the next hot RECV, which then returns EINTR once). */
    void leaveHot() {
        if (accepting) {
            Linux.acceptWake(false);
            accepting = false;
        }
    }

    /**
     * Before anything beyond RECV, SEND and pure Java, i.e. anything that may block or that a
     * signal must not interrupt (an identity switch, a file, /proc): counts the call as a slow
     * one and holds the wake signal back from here on.
     */
    void leaveFastPath() {
        slowCalls++;
        leaveHot();
    }

    /** @return how many calls left the fast path so far (compare before and after a call) */
    long slowCalls() {
        return slowCalls;
    }

    /** Marks the start of a handler's call, for the watchdog. */
    void watch(NotifyChannel channel, long id, long since) {
        this.id = id;
        this.since = since;
        this.channel = channel;
    }

    /** @return whether the watchdog answered the call meanwhile (the thread must then end) */
    boolean unwatch() {
        channel = null;
        return abandoned;
    }

    /** Ends a notify thread whose call the watchdog answered (thrown once its handler returns). */
    static final class Abandoned extends Error {
        private static final long serialVersionUID = 1L;

        Abandoned() {
            super(null, null, false, false);
        }
    }
}
