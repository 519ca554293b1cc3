package dev.intercessor.core.internal.record;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one (handler, syscall) pair. A call counts in exactly one of emulated, refused
 * and continued (their sum is the count): one counter update for a plain "continue".
 */
public final class CallStats {

    final String handler;
    final String syscall;
    private final LongAdder emulated = new LongAdder();
    private final LongAdder errors = new LongAdder();
    /** Per thread: every call of a busy container counts here, from several CPUs at once. */
    private final PerThreadCounter continued = new PerThreadCounter();
    private final LongAdder timed = new LongAdder();
    private final LongAdder timedNanos = new LongAdder();
    private final LongAccumulator max = new LongAccumulator(Math::max, 0);
    private final LatencyHistogram latency = new LatencyHistogram();

    CallStats(String handler, String syscall) {
        this.handler = handler;
        this.syscall = syscall;
    }

    /**
     * @param nanos     the latency, or -1 for a call that was counted but not timed
     * @param error     answered with an errno
     * @param continued run by the kernel
     */
    void record(long nanos, boolean error, boolean continued) {
        if (error) {
            errors.increment();
        } else if (continued) {
            this.continued.increment();
        } else {
            emulated.increment();
        }
        timed(nanos);
    }

    /**
     * Counts a plain "continue" (the fast path).
     *
     * @param nanos its latency, or -1 if it was not timed (only a sample is)
     */
    public void continued(long nanos) {
        continued.increment();
        timed(nanos);
    }

    private void timed(long nanos) {
        if (nanos >= 0) {
            max.accumulate(nanos);
            latency.record(nanos);
            timed.increment();
            timedNanos.add(nanos);
        }
    }

    dev.intercessor.admin.CallMetrics metrics() {
        long refused = errors.sum();
        long kernel = continued.sum();
        return new dev.intercessor.admin.CallMetrics(handler, syscall, emulated.sum(), refused,
                kernel, timed.sum(), timedNanos.sum(),
                latency.cumulative(dev.intercessor.admin.CallMetrics.BUCKET_BOUNDS_NANOS));
    }

    dev.intercessor.admin.SyscallStats snapshot() {
        // A percentile is the middle of its bucket: never report it above the largest seen.
        long m = max.get();
        long refused = errors.sum();
        long all = emulated.sum() + refused + continued.sum();
        return new dev.intercessor.admin.SyscallStats(handler, syscall, all, refused,
                Math.min(m, latency.percentile(0.50)), Math.min(m, latency.percentile(0.90)),
                Math.min(m, latency.percentile(0.99)), m);
    }
}
