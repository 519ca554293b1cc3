package dev.intercessor.admin;

import java.util.List;

/**
 * Counters of one (handler, syscall) pair since the supervisor started, for a metrics exporter:
 * calls by decision, and the latency of the timed ones (every call a handler decided; one in 16
 * plain "continue"s) as cumulative counts at {@link #BUCKET_BOUNDS_NANOS}.
 *
 * @param handler      the handler's name, or {@code null} for calls no handler took
 * @param emulated     calls the handler answered (a value or an fd)
 * @param refused      calls answered with an errno
 * @param continued    calls the kernel ran
 * @param timed        how many calls were timed
 * @param timedNanos   their latencies' sum
 * @param bucketCounts for each bound, how many timed calls took at most that long (a count is
 *                     exact to the supervisor's histogram resolution, about 6 %)
 * @since 1.3
 */
public record CallMetrics(String handler, String syscall, long emulated, long refused, long continued,
        long timed, long timedNanos, List<Long> bucketCounts) {

    /** The latency bounds, in ns: 1 µs to 10 s. */
    public static final List<Long> BUCKET_BOUNDS_NANOS = List.of(1_000L, 2_500L, 5_000L, 10_000L, 25_000L,
            50_000L, 100_000L, 250_000L, 500_000L, 1_000_000L, 2_500_000L, 5_000_000L, 10_000_000L, 25_000_000L,
            50_000_000L, 100_000_000L, 250_000_000L, 500_000_000L, 1_000_000_000L, 2_500_000_000L, 5_000_000_000L,
            10_000_000_000L);

    public CallMetrics {
        bucketCounts = List.copyOf(bucketCounts);
    }
}
