package dev.intercessor.core.internal.record;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in nanoseconds, counted in log-linear buckets: 16 per power of two, so a percentile
 * is within 1/16 (about 6 %) of the true value. Lock-free and allocation-free to record.
 */
public final class LatencyHistogram {

    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    /** Up to 2^44 ns (about 4.9 hours); longer ones count in the last bucket. */
    private static final int MAX_EXPONENT = 44;
    private static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    public void record(long nanos) {
        counts.incrementAndGet(bucket(nanos));
    }

    static int bucket(long nanos) {
        if (nanos < SUB) {
            return (int) Math.max(0, nanos);
        }
        int exponent = 63 - Long.numberOfLeadingZeros(nanos);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (nanos >>> (exponent - SUB_BITS)) & (SUB - 1);
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }

    /** @return the smallest value that falls in {@code bucket} */
    static long lowest(int bucket) {
        if (bucket < SUB) {
            return bucket;
        }
        int exponent = bucket / SUB + SUB_BITS - 1;
        long sub = bucket % SUB;
        return (1L << exponent) + (sub << (exponent - SUB_BITS));
    }

    /**
     * @return for each bound (ascending, ns), how many latencies were at most that: a bucket
     *         counts below a bound if its smallest value is (so within one bucket, about 6 %)
     */
    public java.util.List<Long> cumulative(java.util.List<Long> bounds) {
        java.util.List<Long> out = new java.util.ArrayList<>(bounds.size());
        long seen = 0;
        int i = 0;
        for (long bound : bounds) {
            while (i < BUCKETS && lowest(i) <= bound) {
                seen += counts.get(i++);
            }
            out.add(seen);
        }
        return out;
    }

    /** @return the middle of the bucket that holds the {@code fraction} quantile, 0 if empty */
    public long percentile(double fraction) {
        long total = 0;
        long[] snapshot = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            snapshot[i] = counts.get(i);
            total += snapshot[i];
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(fraction * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                long low = lowest(i);
                long high = i + 1 < BUCKETS ? lowest(i + 1) : low;
                return low + (high - low) / 2;
            }
        }
        return lowest(BUCKETS - 1);
    }
}
