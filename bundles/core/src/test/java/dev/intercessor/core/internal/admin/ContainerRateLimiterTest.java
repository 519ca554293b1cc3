package dev.intercessor.core.internal.admin;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.function.LongFunction;

import org.junit.Test;

import dev.intercessor.core.internal.admin.ContainerRateLimiter.Suppressed;

public class ContainerRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    /** The test's clock: nanoTime 0 is T0. */
    private static final LongFunction<Instant> WALL = T0::plusNanos;

    private static int admitted(ContainerRateLimiter limiter, String container, int calls, long now) {
        int n = 0;
        for (int i = 0; i < calls; i++) {
            if (limiter.admit(container, now)) {
                n++;
            }
        }
        return n;
    }

    @Test
    public void aFloodGetsItsBurstThenItsRateAndTheRestIsCounted() {
        ContainerRateLimiter limiter = new ContainerRateLimiter(50, 500);
        assertEquals(500, admitted(limiter, "a", 4800, 0));
        // one second later: 50 more tokens, whatever the container asks
        assertEquals(50, admitted(limiter, "a", 4800, SECOND));
        assertEquals(List.of(new Suppressed("a", 4300 + 4750, T0)), limiter.drain(SECOND, WALL));
        assertEquals("reported once", List.of(), limiter.drain(SECOND, WALL));
    }

    @Test
    public void oneContainersFloodLeavesTheOthersTheirOwnBudget() {
        ContainerRateLimiter limiter = new ContainerRateLimiter(50, 500);
        for (long t = 0; t < 60; t++) {
            admitted(limiter, "flood", 4800, t * SECOND);
            assertEquals("b's few calls, second " + t, 5, admitted(limiter, "b", 5, t * SECOND));
        }
        List<Suppressed> report = limiter.drain(60 * SECOND, WALL);
        assertEquals(1, report.size());
        assertEquals("flood", report.get(0).containerId());
        assertEquals(60 * 4800 - 500 - 59 * 50, report.get(0).count());
    }

    @Test
    public void theRateRefillsFractionallyAndNeverBeyondTheBurst() {
        ContainerRateLimiter limiter = new ContainerRateLimiter(10, 3);
        assertEquals(3, admitted(limiter, "a", 10, 0));
        assertEquals("50 ms at 10/s: half a token", 0, admitted(limiter, "a", 1, SECOND / 20));
        assertEquals("100 ms: one", 1, admitted(limiter, "a", 5, SECOND / 10));
        assertEquals("an hour idle refills to the burst only", 3, admitted(limiter, "a", 10, 3600 * SECOND));
    }

    @Test
    public void aContainerBackToFullIsForgottenAndAnUnlimitedOneNeverTracked() {
        ContainerRateLimiter limiter = new ContainerRateLimiter(10, 5);
        assertEquals(5, admitted(limiter, "a", 6, 0));
        assertEquals(1, limiter.drain(0, WALL).size());
        assertEquals("still short of tokens", 1, limiter.tracked());
        limiter.drain(SECOND, WALL);
        assertEquals("refilled: forgotten", 0, limiter.tracked());
        assertEquals("a new bucket, full", 5, admitted(limiter, "a", 6, SECOND));

        limiter.configure(0, 5);
        limiter.drain(SECOND, WALL);
        assertEquals(100_000, admitted(limiter, "b", 100_000, SECOND));
        assertEquals(0, limiter.tracked());
        assertTrue(limiter.drain(SECOND, WALL).isEmpty());
    }

    @Test
    public void concurrentAdmitsCountEveryCall() throws Exception {
        ContainerRateLimiter limiter = new ContainerRateLimiter(1, 100);
        int threads = 4;
        int calls = 50_000;
        int[] admitted = new int[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int i = t;
            workers[t] = new Thread(() -> admitted[i] = admitted(limiter, "a", calls, 0));
            workers[t].start();
        }
        long reported = 0;
        for (Thread w : workers) {
            while (w.isAlive()) {
                for (Suppressed s : limiter.drain(0, WALL)) {
                    reported += s.count();
                }
            }
        }
        for (Suppressed s : limiter.drain(0, WALL)) {
            reported += s.count();
        }
        int total = 0;
        for (int a : admitted) {
            total += a;
        }
        assertEquals(100, total);
        assertEquals(threads * calls - 100, reported);
        assertFalse(limiter.admit("a", 0));
    }
}
