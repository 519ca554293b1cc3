package dev.intercessor.core.internal.dispatch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.Seccomp;

/**
 * What one notify thread carries from call to call: its native buffers, its view of a channel's
 * cached caller handles, whether it waits hot, and what it dispatches now (for the watchdog, which
 * only reads it). Written by that thread only, except {@link #leave}, {@link #abandoned} and the
 * wake hand-shake ({@link #wakeIfReceiving}).
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

    /**
     * Hot: the calls it has served (written by this thread only, read by the cool-down timer:
     * an opaque store, no fence and no clock read on the way of a call), what the timer saw at its
     * last look (the timer's own), and whether it asks the thread to go back to epoll.
     */
    private long served;
    long servedAtLastLook;
    volatile boolean leave;

    /*
     * Where it is, for the wake signal: sent only while the thread waits in a hot RECV, so nothing
     * else it does (a handler's files, /proc, an identity switch) is ever interrupted, and no signal
     * mask changes on the way of a call. A signal can still land just before the thread blocks
     * (then nothing interrupts the RECV): the watchdog sends again until the thread has left.
     */
    private static final int BUSY = 0;
    private static final int RECEIVING = 1;
    private static final int SENDING = 2;
    private final AtomicInteger waits = new AtomicInteger(BUSY);
    /** Wake signals sent to this thread so far (by whoever holds {@code SENDING}). */
    private volatile int signals;
    /** {@link #signals} when it last began to wait. */
    private int signalsBefore;

    /** Counts a call served hot. */
    void served() {
        SERVED.setOpaque(this, served + 1);
    }

    /** @return the calls served hot so far (any thread) */
    long servedSoFar() {
        return (long) SERVED.getOpaque(this);
    }

    private static final VarHandle SERVED;

    static {
        try {
            SERVED = MethodHandles.lookup().findVarHandle(ServingThread.class, "served", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Just before a hot RECV: from here the watchdog may send the wake signal. */
    void receiving() {
        signalsBefore = signals;
        waits.setRelease(RECEIVING); // the system call that follows orders it
    }

    /**
     * Just after a hot RECV returned (a call, EINTR, an error): no signal may come from here on. A
     * signal sent meanwhile is taken now (it runs its empty handler on the way back from any system
     * call), before anything it could interrupt.
     */
    void received() {
        for (int spins = 0; !waits.compareAndSet(RECEIVING, BUSY); spins++) {
            // the watchdog is sending: a moment
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // it may need this CPU to finish
            }
        }
        if (signals != signalsBefore) {
            Linux.gettid(); // nothing interrupts it; a pending signal is delivered on return
        }
    }

    /** The watchdog: sends the wake signal if the thread waits in a hot RECV; else it sees {@link #leave} itself. */
    void wakeIfReceiving() {
        if (waits.compareAndSet(RECEIVING, SENDING)) {
            Linux.wake(tid);
            signals = signals + 1; // only the holder of SENDING writes it
            waits.set(RECEIVING);
        }
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
