package dev.intercessor.core.internal.record;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.Test;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.Decision;
import dev.intercessor.admin.SyscallStats;

public class CallLogTest {

    private static CallRecord call(String container, String handler, Decision d, long nanos) {
        return new CallRecord(Instant.EPOCH, container, 1, "x86_64", "mknodat", "", handler, d,
                d == Decision.REFUSED ? 1 : 0, d == Decision.REFUSED ? "EPERM" : "", 0, nanos);
    }

    @Test
    public void statsPerHandlerAndSyscallAndPlainContinues() {
        CallLog log = new CallLog();
        log.record(call("a", "mknod", Decision.EMULATED, 40_000));
        log.record(call("a", "mknod", Decision.REFUSED, 10_000));
        log.plainContinue("getppid", 15_000);
        List<SyscallStats> stats = log.stats();
        assertEquals(2, stats.size());
        assertEquals(null, stats.get(0).handler());
        assertEquals("getppid", stats.get(0).syscall());
        assertEquals(1, stats.get(0).count());
        assertEquals("mknod", stats.get(1).handler());
        assertEquals(2, stats.get(1).count());
        assertEquals(1, stats.get(1).errors());
        assertEquals(40_000, stats.get(1).maxNanos());
    }

    @Test
    public void recentKeepsHandlerDecisionsFilteredByContainerOldestFirst() {
        CallLog log = new CallLog();
        for (int i = 0; i < 5000; i++) {
            log.record(call(i % 2 == 0 ? "a" : "b", "mknod", Decision.EMULATED, i));
        }
        List<CallRecord> a = log.recent("a", 3);
        assertEquals(List.of(4994L, 4996L, 4998L), a.stream().map(CallRecord::nanos).toList());
        assertEquals(4096, log.recent(null, 10_000).size());
        log.record(call("c", null, Decision.CONTINUED, 1));
        assertTrue("plain continues are not kept", log.recent("c", 10).isEmpty());
    }

    @Test
    public void followersSeeEveryDecisionUntilClosed() throws Exception {
        CallLog log = new CallLog();
        List<CallRecord> seen = new ArrayList<>();
        assertFalse(log.following());
        AutoCloseable f = log.follow("a", seen::add);
        assertTrue(log.following());
        log.record(call("a", null, Decision.CONTINUED, 1));
        log.record(call("b", "mknod", Decision.EMULATED, 2));
        log.record(call("a", "mknod", Decision.EMULATED, 3));
        f.close();
        assertFalse(log.following());
        log.record(call("a", "mknod", Decision.EMULATED, 4));
        assertEquals(List.of(1L, 3L), seen.stream().map(CallRecord::nanos).toList());
    }

    @Test
    public void aFailingFollowerIsDroppedAndDispatchGoesOn() {
        CallLog log = new CallLog();
        log.follow(null, c -> {
            throw new IllegalStateException("boom");
        });
        log.record(call("a", "mknod", Decision.EMULATED, 1));
        assertFalse(log.following());
        assertEquals(1, log.recent(null, 10).size());
    }

    @Test
    public void auditGetsEmulatedAndRefusedOnly() {
        CallLog log = new CallLog();
        List<CallRecord> audited = new ArrayList<>();
        log.setAudit(audited::add);
        log.record(call("a", "mknod", Decision.EMULATED, 1));
        log.record(call("a", "mknod", Decision.REFUSED, 2));
        log.record(call("a", "setxattr", Decision.CONTINUED, 3));
        log.record(call("a", null, Decision.CONTINUED, 4));
        assertEquals(List.of(1L, 2L), audited.stream().map(CallRecord::nanos).toList());
    }

    @Test
    public void toStringIsStraceLike() {
        CallRecord r = new CallRecord(Instant.EPOCH, "abc123", 4711, "x86_64", "mknodat",
                "AT_FDCWD, \"/dev/null\", S_IFCHR|0666, makedev(1, 3)", "mknod", Decision.EMULATED, 0, "", 0,
                41_300);
        assertEquals("abc123 4711 mknodat(AT_FDCWD, \"/dev/null\", S_IFCHR|0666, makedev(1, 3)) = 0 "
                + "[mknod, emulated, 41µs]", r.toString());
        CallRecord refused = new CallRecord(Instant.EPOCH, "abc123", 4711, "x86_64", "mknodat", "", "mknod",
                Decision.REFUSED, 1, "EPERM", 0, 2_500);
        assertTrue(refused.toString(), refused.toString().endsWith("= -1 EPERM [mknod, refused, 2.5µs]"));
    }

    @Test
    public void untimedCallsAreCountedButNotInTheLatencies() {
        CallLog log = new CallLog();
        log.plainContinue("getppid", -1);
        log.plainContinue("getppid", 20_000);
        log.plainContinue("getppid", -1);
        SyscallStats s = log.stats().get(0);
        assertEquals(3, s.count());
        assertEquals(20_000, s.maxNanos());
        assertTrue(Math.abs(s.p50Nanos() - 20_000) <= 20_000 / 16);
        CallRecord untimed = new CallRecord(Instant.EPOCH, "a", 1, "x86_64", "getppid", "", null,
                Decision.CONTINUED, 0, "", 0, -1);
        assertEquals("a 1 getppid() = ? [continued]", untimed.toString());
    }
}
