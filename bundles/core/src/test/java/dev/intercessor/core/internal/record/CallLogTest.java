package dev.intercessor.core.internal.record;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
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

    private static DecidedCall call(String container, String handler, Decision d, long nanos) {
        return new DecidedCall(System.nanoTime(), container, 1, "x86_64", "mknodat", new long[4], null, handler, d,
                d == Decision.REFUSED ? 1 : 0, 0, nanos);
    }

    @Test
    public void statsPerHandlerAndSyscallAndPlainContinues() {
        CallLog log = new CallLog();
        log.record(call("a", "mknod", Decision.EMULATED, 40_000));
        log.record(call("a", "mknod", Decision.REFUSED, 10_000));
        log.plainStats("getppid").continued(15_000);
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

    /** The dispatcher looks a syscall's plain-continue statistics up once and keeps them. */
    @Test
    public void plainStatsAreOnePerSyscallAndCountWhereverKept() {
        CallLog log = new CallLog();
        CallStats kept = log.plainStats("getppid");
        assertSame(kept, log.plainStats("getppid"));
        kept.continued(-1);
        log.plainStats("getppid").continued(5_000);
        SyscallStats getppid = log.stats().get(0);
        assertEquals(2, getppid.count());
        assertEquals(0, getppid.errors());
        assertEquals(5_000, getppid.maxNanos());
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
    public void aDecidedCallIsFormattedWhenReadAndOnlyOnce() {
        long answered = System.nanoTime() - 2_000_000_000L;
        DecidedCall call = new DecidedCall(answered, "abc123", 4711, "x86_64", "mknodat",
                new long[] {-100, 0x1000, 0x21b6, 0x103}, address -> address == 0x1000
                        ? new dev.intercessor.core.internal.linux.ProcTarget.MemoryRead(address,
                                "/dev/null".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 9, true)
                        : null, "mknod", Decision.REFUSED, 1, 0, 41_000);
        CallRecord r = call.record();
        assertEquals("AT_FDCWD, \"/dev/null\", S_IFCHR|0666, makedev(1, 3)", r.arguments());
        assertEquals("EPERM", r.errnoName());
        long ago = java.time.Duration.between(r.time(), Instant.now()).toMillis();
        assertTrue("answered two seconds ago, shown " + ago + " ms ago", ago >= 1_900 && ago < 10_000);
        assertTrue("formatted once", r == call.record());
    }

    @Test
    public void auditGetsEmulatedAndRefusedOnly() {
        CallLog log = new CallLog();
        List<DecidedCall> audited = new ArrayList<>();
        log.setAudit(audited::add);
        log.record(call("a", "mknod", Decision.EMULATED, 1));
        log.record(call("a", "mknod", Decision.REFUSED, 2));
        log.record(call("a", "setxattr", Decision.CONTINUED, 3));
        log.record(call("a", null, Decision.CONTINUED, 4));
        assertEquals(List.of(1L, 2L), audited.stream().map(DecidedCall::nanos).toList());
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
        log.plainStats("getppid").continued(-1);
        log.plainStats("getppid").continued(20_000);
        log.plainStats("getppid").continued(-1);
        SyscallStats s = log.stats().get(0);
        assertEquals(3, s.count());
        assertEquals(20_000, s.maxNanos());
        assertTrue(Math.abs(s.p50Nanos() - 20_000) <= 20_000 / 16);
        CallRecord untimed = new CallRecord(Instant.EPOCH, "a", 1, "x86_64", "getppid", "", null,
                Decision.CONTINUED, 0, "", 0, -1);
        assertEquals("a 1 getppid() = ? [continued]", untimed.toString());
    }
}
