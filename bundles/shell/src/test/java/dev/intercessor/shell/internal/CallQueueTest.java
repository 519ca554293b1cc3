package dev.intercessor.shell.internal;

import static org.junit.Assert.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Test;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.Decision;

public class CallQueueTest {

    private static CallRecord call(int pid) {
        return new CallRecord(Instant.EPOCH, "c", pid, "x86_64", "sysinfo", "0x1", "sysinfo", Decision.EMULATED, 0,
                "", 0, 1000);
    }

    @Test
    public void whatDoesNotFitIsDroppedAndCountedWithoutWaiting() throws Exception {
        CallQueue queue = new CallQueue(2);
        for (int pid = 1; pid <= 5; pid++) {
            queue.accept(call(pid));
        }
        List<CallRecord> taken = new ArrayList<>();
        assertEquals(2, queue.take(taken, 256, 0, TimeUnit.SECONDS));
        assertEquals(List.of(call(1), call(2)), taken);
        assertEquals(3, queue.takeDropped());
        assertEquals("counted once", 0, queue.takeDropped());
    }

    @Test
    public void takeWaitsForTheFirstAndTakesTheRestUpToTheLimit() throws Exception {
        CallQueue queue = new CallQueue(10);
        List<CallRecord> taken = new ArrayList<>();
        assertEquals(0, queue.take(taken, 3, 10, TimeUnit.MILLISECONDS));
        for (int pid = 1; pid <= 5; pid++) {
            queue.accept(call(pid));
        }
        assertEquals(3, queue.take(taken, 3, 0, TimeUnit.SECONDS));
        assertEquals(2, queue.take(taken, 3, 0, TimeUnit.SECONDS));
        assertEquals(5, taken.size());
    }
}
