package dev.intercessor.core.internal.record;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class PerThreadCounterTest {

    private static Thread counting(PerThreadCounter counter, int times) {
        Thread t = new Thread(() -> {
            for (int i = 0; i < times; i++) {
                counter.increment();
            }
        });
        t.start();
        return t;
    }

    @Test
    public void threadsCountingAtOnceLoseNothing() throws InterruptedException {
        PerThreadCounter counter = new PerThreadCounter();
        Thread[] threads = new Thread[6];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = counting(counter, 100_000);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(600_000, counter.sum());
    }

    @Test
    public void whatEndedThreadsCountedIsKeptWhenTheirCellsAreFolded() throws InterruptedException {
        PerThreadCounter counter = new PerThreadCounter();
        for (int round = 0; round < 20; round++) { // each new thread folds the ended ones' cells
            Thread t = counting(counter, 1_000);
            t.join();
        }
        counter.increment();
        assertEquals(20_001, counter.sum());
    }
}
