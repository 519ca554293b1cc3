package dev.intercessor.core.internal.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * A token bucket per container: each may have {@code burst} records at once and {@code perSecond}
 * a second after that; what is over is counted, not written, and {@link #drain} reports the counts.
 * One container's flood thus takes no more of a size-rotated log than its rate, however fast it
 * calls, and cannot push the other containers' records out.
 *
 * <p>Thread-safe: notify threads {@link #admit} concurrently (a lock per container, so containers
 * never wait on each other); one thread drains. Times are {@link System#nanoTime()} values.
 */
final class ContainerRateLimiter {

    /** What a container had suppressed since its previous report. */
    record Suppressed(String containerId, long count, Instant since) {
    }

    private static final class Bucket {
        double tokens;
        long refilled;
        long suppressed;
        /** The first suppressed record's time ({@link System#nanoTime()}). */
        long sinceNanos;
        /** Dropped from the map: an admit that still holds it starts over with a new one. */
        boolean retired;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilled = now;
        }
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile double perSecond;
    private volatile double burst;

    /** @param perSecond records a second a container may have after its burst; 0 or less: no limit */
    ContainerRateLimiter(double perSecond, int burst) {
        configure(perSecond, burst);
    }

    /** Applies to the next record; counts so far are kept. */
    void configure(double perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, burst);
    }

    /**
     * @param now the record's time: the first suppressed one's is reported as {@code since}
     * @return whether the record may be written; if not, it has been counted
     */
    boolean admit(String containerId, long now) {
        double rate = perSecond;
        if (rate <= 0) {
            return true;
        }
        double max = burst;
        while (true) {
            Bucket b = buckets.get(containerId); // no lambda made on the way of every call
            if (b == null) {
                b = buckets.computeIfAbsent(containerId, k -> new Bucket(max, now));
            }
            synchronized (b) {
                if (b.retired) {
                    continue;
                }
                b.tokens = Math.min(max, b.tokens + (now - b.refilled) * rate / 1e9);
                b.refilled = now;
                if (b.tokens >= 1) {
                    b.tokens -= 1;
                    return true;
                }
                if (b.suppressed++ == 0) {
                    b.sinceNanos = now;
                }
                return false;
            }
        }
    }

    /**
     * @return per container, what it had suppressed since the last call (containers with none are
     *         left out); a container whose bucket has filled up again is forgotten, so containers
     *         that have gone cost nothing
     * @param wallClock the wall-clock time of a {@link System#nanoTime()} value (for {@code since})
     */
    List<Suppressed> drain(long now, LongFunction<Instant> wallClock) {
        double rate = perSecond;
        double max = burst;
        List<Suppressed> report = new ArrayList<>();
        for (Map.Entry<String, Bucket> e : buckets.entrySet()) {
            Bucket b = e.getValue();
            synchronized (b) {
                if (b.suppressed > 0) {
                    report.add(new Suppressed(e.getKey(), b.suppressed, wallClock.apply(b.sinceNanos)));
                    b.suppressed = 0;
                }
                double tokens = rate <= 0 ? max : b.tokens + (now - b.refilled) * rate / 1e9;
                if (tokens >= max) {
                    b.retired = true;
                    buckets.remove(e.getKey(), b);
                }
            }
        }
        return report;
    }

    /** @return containers being tracked (for tests) */
    int tracked() {
        return buckets.size();
    }
}
