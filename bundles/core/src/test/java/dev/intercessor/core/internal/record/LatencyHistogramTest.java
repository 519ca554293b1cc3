package dev.intercessor.core.internal.record;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Random;

import org.junit.Test;

public class LatencyHistogramTest {

    @Test
    public void emptyGivesZero() {
        assertEquals(0, new LatencyHistogram().percentile(0.5));
    }

    @Test
    public void bucketsAreContiguousAndOrdered() {
        long previous = -1;
        for (long v : new long[] {0, 1, 15, 16, 17, 31, 32, 33, 1000, 41_000, 1L << 30, (1L << 44) - 1}) {
            int b = LatencyHistogram.bucket(v);
            assertTrue(v + " is not below its bucket's start", LatencyHistogram.lowest(b) <= v);
            assertTrue(v + " is not below the next bucket's start", v < LatencyHistogram.lowest(b + 1));
            assertTrue(b >= previous);
            previous = b;
        }
        assertEquals(0, LatencyHistogram.bucket(-5));
    }

    @Test
    public void percentilesAreWithinSixPercent() {
        LatencyHistogram h = new LatencyHistogram();
        Random r = new Random(7);
        long[] values = new long[10_001];
        for (int i = 0; i < values.length; i++) {
            values[i] = 1000 + r.nextInt(1_000_000);
            h.record(values[i]);
        }
        java.util.Arrays.sort(values);
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            long exact = values[(int) Math.ceil(q * values.length) - 1];
            long got = h.percentile(q);
            assertTrue(q + ": " + got + " against " + exact, Math.abs(got - exact) <= exact * 0.0625);
        }
    }

    @Test
    public void hugeValuesLandInTheLastBucket() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(Long.MAX_VALUE);
        assertTrue(h.percentile(1.0) > (1L << 43));
    }
}
