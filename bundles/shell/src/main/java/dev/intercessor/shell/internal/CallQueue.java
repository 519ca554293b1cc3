package dev.intercessor.shell.internal;

import java.util.Collection;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.intercessor.admin.CallRecord;

/**
 * Decisions handed over by the notify threads that made them, for a follower to print. A notify
 * thread must never wait on a slow reader: what does not fit is dropped and counted.
 */
final class CallQueue implements Consumer<CallRecord> {

    /** Wakes a waiting {@link #take}; never handed out. */
    private static final CallRecord WAKE_UP = new CallRecord(null, null, 0, null, null, null, null, null, 0, null, 0, 0);

    private final ArrayBlockingQueue<CallRecord> queue;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean stopped;

    CallQueue(int capacity) {
        queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Called on a notify thread: never blocks. */
    @Override
    public void accept(CallRecord call) {
        if (!queue.offer(call)) {
            dropped.incrementAndGet();
        }
    }

    /**
     * Waits up to {@code timeout} for a first record, then takes every one queued behind it, up to
     * {@code max} in all.
     *
     * @return how many were added to {@code into}
     */
    int take(Collection<CallRecord> into, int max, long timeout, TimeUnit unit) throws InterruptedException {
        CallRecord first = stopped ? null : queue.poll(timeout, unit);
        if (first == null) {
            return 0;
        }
        int n = 0;
        if (first != WAKE_UP) {
            into.add(first);
            n++;
        }
        n += queue.drainTo(into, max - n);
        if (into.remove(WAKE_UP)) {
            n--;
        }
        return n;
    }

    /** Makes {@link #take} return at once, from now on. */
    void stop() {
        stopped = true;
        queue.offer(WAKE_UP); // if it is full, the follower is not waiting anyway
    }

    boolean stopped() {
        return stopped;
    }

    /** @return how many were dropped since the last call */
    long takeDropped() {
        return dropped.getAndSet(0);
    }
}
