package dev.intercessor.admin;

/**
 * What one (handler, syscall) pair has done since the supervisor started. Latencies are from
 * receiving the notification to answering it, in nanoseconds, accurate to about 6 %; for plain
 * "continue"s (no handler) they come from a sample of one call in 16.
 *
 * @param handler the handler, or {@code null} for calls no handler took (plain "continue")
 * @param syscall the syscall name
 * @param count   calls answered
 * @param errors  of those, answered with an errno
 */
public record SyscallStats(String handler, String syscall, long count, long errors, long p50Nanos,
        long p90Nanos, long p99Nanos, long maxNanos) {
}
