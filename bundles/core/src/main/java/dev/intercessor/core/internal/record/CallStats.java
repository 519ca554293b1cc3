package dev.intercessor.core.internal.record;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/** The counters of one (handler, syscall) pair. */
final class CallStats {

    final String handler;
    final String syscall;
    private final LongAdder count = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAccumulator max = new LongAccumulator(Math::max, 0);
    private final LatencyHistogram latency = new LatencyHistogram();

    CallStats(String handler, String syscall) {
        this.handler = handler;
        this.syscall = syscall;
    }

    /** @param nanos the latency, or -1 for a call that was counted but not timed */
    void record(long nanos, boolean error) {
        count.increment();
        if (error) {
            errors.increment();
        }
        if (nanos >= 0) {
            max.accumulate(nanos);
            latency.record(nanos);
        }
    }

    dev.intercessor.admin.SyscallStats snapshot() {
        // A percentile is the middle of its bucket: never report it above the largest seen.
        long m = max.get();
        return new dev.intercessor.admin.SyscallStats(handler, syscall, count.sum(), errors.sum(),
                Math.min(m, latency.percentile(0.50)), Math.min(m, latency.percentile(0.90)),
                Math.min(m, latency.percentile(0.99)), m);
    }
}
