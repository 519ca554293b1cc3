package dev.intercessor.core.internal.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.Test;

import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallHandler;

public class HandlerRegistryTest {

    private static final SyscallTable X86 = SyscallTable.X86_64;
    private static final SyscallTable ARM = SyscallTable.AARCH64;

    private static final SyscallHandler CONTINUE = (call, target, policy) -> Response.continueSyscall();

    private final HandlerRegistry registry = new HandlerRegistry();

    private static HandlerBinding binding(String name, int ranking, long serviceId, String... syscalls) {
        return new HandlerBinding(name, List.of(syscalls), false, false, false, ranking, serviceId, "test.bundle", CONTINUE);
    }

    private List<HandlerRegistry.Rejection> rejectionsOf(HandlerBinding b) {
        return registry.rejections().stream().filter(r -> r.binding() == b).collect(Collectors.toList());
    }

    // ---- lookup ----------------------------------------------------------------------------

    @Test
    public void emptyRegistryServesNothing() {
        for (SyscallTable t : SyscallTable.all()) {
            for (int nr = -1; nr <= t.size(); nr++) {
                assertNull(registry.lookup(t, nr));
            }
        }
        assertTrue(registry.bindings().isEmpty());
        assertTrue(registry.rejections().isEmpty());
    }

    @Test
    public void addedHandlerIsFoundByArchAndNumber() {
        HandlerBinding b = binding("sysinfo", 0, 1, "sysinfo");
        registry.add(b);
        assertSame(b, registry.lookup(X86, 99));
        assertSame(b, registry.lookup(ARM, 179));
        assertNull(registry.lookup(X86, 179));
        assertNull(registry.lookup(ARM, 99));
        assertTrue(registry.rejections().isEmpty());
    }

    @Test
    public void mknodHandlerServesBothCallsOnX86ButOnlyMknodatOnAarch64() {
        HandlerBinding b = binding("mknod", 0, 1, "mknod", "mknodat");
        registry.add(b);
        assertSame(b, registry.lookup(X86, 133));
        assertSame(b, registry.lookup(X86, 259));
        assertSame(b, registry.lookup(ARM, 33));
        assertNull(registry.lookup(ARM, 133));
        assertNull(registry.lookup(ARM, 259));
        assertNull(registry.lookup(X86, 33));
        assertTrue("serving a call one architecture lacks is not a rejection", registry.rejections().isEmpty());
    }

    @Test
    public void outOfRangeNumbersServeNothing() {
        registry.add(binding("mknod", 0, 1, "mknod", "mknodat"));
        for (SyscallTable t : SyscallTable.all()) {
            assertNull(registry.lookup(t, -1));
            assertNull(registry.lookup(t, Integer.MIN_VALUE));
            assertNull(registry.lookup(t, t.size()));
            assertNull(registry.lookup(t, Integer.MAX_VALUE));
        }
    }

    @Test
    public void removedHandlerServesNothing() {
        registry.add(binding("mknod", 0, 1, "mknod", "mknodat"));
        registry.remove(1);
        assertNull(registry.lookup(X86, 133));
        assertNull(registry.lookup(X86, 259));
        assertNull(registry.lookup(ARM, 33));
        assertTrue(registry.bindings().isEmpty());
    }

    @Test
    public void removingAnUnknownServiceChangesNothing() {
        HandlerBinding b = binding("mknod", 0, 1, "mknod", "mknodat");
        registry.add(b);
        registry.remove(42);
        assertSame(b, registry.lookup(X86, 133));
        assertEquals(List.of(b), List.copyOf(registry.bindings()));
    }

    @Test
    public void addingTheSameServiceAgainReplacesIt() {
        registry.add(binding("mknod", 0, 1, "mknod", "mknodat"));
        HandlerBinding replacement = binding("mknod", 0, 1, "mknodat");
        registry.add(replacement);
        assertNull(registry.lookup(X86, 133));
        assertSame(replacement, registry.lookup(X86, 259));
        assertEquals(List.of(replacement), List.copyOf(registry.bindings()));
        assertTrue(registry.rejections().isEmpty());
    }

    @Test
    public void unknownSyscallNamesAmongKnownOnesAreReportedWhileTheKnownOnesAreServed() {
        HandlerBinding b = binding("mix", 0, 1, "no_such_call", "sysinfo");
        registry.add(b);
        assertSame(b, registry.lookup(X86, 99));
        assertEquals(List.of(new HandlerRegistry.Rejection(b, "no architecture has a syscall named no_such_call")),
                registry.rejections());
        assertEquals(List.of("sysinfo"), registry.serving(b));
    }

    @Test
    public void aHandlerMayServeAnySyscallOfTheTables() {
        HandlerBinding b = binding("uname", 0, 1, "uname");
        registry.add(b);
        assertTrue(registry.rejections().toString(), registry.rejections().isEmpty());
        assertSame(b, registry.lookup(X86, 63));
        assertSame(b, registry.lookup(SyscallTable.X86, 122));
        assertSame(b, registry.lookup(SyscallTable.X32, 63 | SyscallTable.X32_SYSCALL_BIT));
        assertSame(b, registry.lookup(ARM, 160));
        assertSame(b, registry.lookup(SyscallTable.ARM, 122));
        assertNull(registry.lookup(X86, 122));
        assertNull(registry.lookup(SyscallTable.X32, 63));
        assertEquals(List.of("uname"), registry.serving(b));
        for (SyscallTable t : SyscallTable.all()) {
            assertSame(t.name(), b, registry.lookup(t, t.number("uname")));
        }
    }

    @Test
    public void aHandlerForAMadeUpSyscallIsRejected() {
        HandlerBinding b = binding("frob", 0, 1, "frobnicate");
        registry.add(b);
        assertEquals(List.of(new HandlerRegistry.Rejection(b, "serves no known syscall: [frobnicate]")),
                registry.rejections());
        assertTrue(registry.serving(b).isEmpty());
    }

    @Test
    public void callsOfEveryArchitectureReachTheirHandlerOnly() {
        HandlerBinding mknod = binding("mknod", 0, 1, "mknod", "mknodat");
        HandlerBinding sysinfo = binding("sysinfo", 0, 2, "sysinfo");
        registry.add(mknod);
        registry.add(sysinfo);
        for (SyscallTable t : SyscallTable.all()) {
            for (String name : List.of("mknod", "mknodat", "sysinfo")) {
                int nr = t.number(name);
                if (nr >= 0) {
                    assertSame(t.name() + " " + name, name.equals("sysinfo") ? sysinfo : mknod, registry.lookup(t, nr));
                }
            }
            assertNull(t.name(), registry.lookup(t, t.number("getpid")));
        }
    }

    // ---- conflicts -------------------------------------------------------------------------

    @Test
    public void higherRankingWinsWhicheverCameFirst() {
        HandlerBinding low = binding("low", 0, 1, "mknodat");
        HandlerBinding high = binding("high", 10, 2, "mknodat");
        registry.add(low);
        registry.add(high);
        assertSame(high, registry.lookup(X86, 259));
        assertSame(high, registry.lookup(ARM, 33));

        HandlerRegistry other = new HandlerRegistry();
        other.add(high);
        other.add(low);
        assertSame(high, other.lookup(X86, 259));
        assertSame(high, other.lookup(ARM, 33));
    }

    @Test
    public void negativeRankingLosesToDefaultRanking() {
        HandlerBinding neg = binding("neg", -5, 1, "sysinfo");
        HandlerBinding def = binding("def", 0, 2, "sysinfo");
        registry.add(neg);
        registry.add(def);
        assertSame(def, registry.lookup(X86, 99));
    }

    @Test
    public void equalRankingLowerServiceIdWinsWhicheverCameFirst() {
        HandlerBinding older = binding("older", 5, 3, "sysinfo");
        HandlerBinding newer = binding("newer", 5, 7, "sysinfo");
        registry.add(newer);
        registry.add(older);
        assertSame(older, registry.lookup(X86, 99));

        HandlerRegistry other = new HandlerRegistry();
        other.add(older);
        other.add(newer);
        assertSame(older, other.lookup(X86, 99));
    }

    @Test
    public void loserIsRejectedWithAReasonNamingTheWinner() {
        HandlerBinding winner = binding("winner", 10, 1, "sysinfo");
        HandlerBinding loser = binding("loser", 0, 2, "sysinfo");
        registry.add(winner);
        registry.add(loser);
        assertTrue(rejectionsOf(winner).isEmpty());
        List<HandlerRegistry.Rejection> lost = rejectionsOf(loser);
        assertEquals(1, lost.size()); // one for all architectures
        assertEquals("sysinfo is served by winner (service 1, ranking 10)", lost.get(0).reason());
        assertTrue(registry.serving(loser).isEmpty());
        assertEquals(List.of("sysinfo"), registry.serving(winner));
    }

    @Test
    public void partialLoserKeepsTheCallsItWins() {
        HandlerBinding both = binding("mknod", 0, 1, "mknod", "mknodat");
        HandlerBinding at = binding("mknodat-only", 10, 2, "mknodat");
        registry.add(both);
        registry.add(at);
        assertSame(both, registry.lookup(X86, 133));
        assertSame(at, registry.lookup(X86, 259));
        assertSame(at, registry.lookup(ARM, 33));
        assertEquals(List.of(new HandlerRegistry.Rejection(both, "mknodat is served by mknodat-only (service 2, ranking 10)")),
                rejectionsOf(both));
        assertEquals(List.of("mknod"), registry.serving(both));
        assertTrue(rejectionsOf(at).isEmpty());
    }

    @Test
    public void removingTheWinnerLetsTheLoserTakeOver() {
        HandlerBinding winner = binding("winner", 10, 1, "mknod", "mknodat");
        HandlerBinding loser = binding("loser", 0, 2, "mknod", "mknodat");
        registry.add(winner);
        registry.add(loser);
        assertSame(winner, registry.lookup(X86, 133));
        assertFalse(rejectionsOf(loser).isEmpty());

        registry.remove(1);
        assertSame(loser, registry.lookup(X86, 133));
        assertSame(loser, registry.lookup(X86, 259));
        assertSame(loser, registry.lookup(ARM, 33));
        assertTrue(registry.rejections().isEmpty());
    }

    @Test
    public void threeWayConflictHasOneWinnerAndTwoLosers() {
        HandlerBinding a = binding("a", 1, 30, "bpf");
        HandlerBinding b = binding("b", 2, 20, "bpf");
        HandlerBinding c = binding("c", 2, 10, "bpf");
        registry.add(a);
        registry.add(b);
        registry.add(c);
        assertSame(c, registry.lookup(X86, 321));
        assertSame(c, registry.lookup(ARM, 280));
        assertTrue(rejectionsOf(c).isEmpty());
        for (HandlerBinding loser : Arrays.asList(a, b)) {
            assertEquals(1, rejectionsOf(loser).size());
            for (HandlerRegistry.Rejection r : rejectionsOf(loser)) {
                assertTrue(r.reason(), r.reason().contains("served by c (service 10, ranking 2)"));
            }
        }
    }

    // ---- malformed bindings ----------------------------------------------------------------

    @Test
    public void bindingWithoutANameIsRejectedAndServesNothing() {
        HandlerBinding nameless = binding(null, 100, 1, "mknodat");
        registry.add(nameless);
        assertNull(registry.lookup(X86, 259));
        assertNull(registry.lookup(ARM, 33));
        assertEquals(List.of(new HandlerRegistry.Rejection(nameless, "missing or malformed intercessor.handler")),
                registry.rejections());
        assertEquals(List.of(nameless), List.copyOf(registry.bindings()));
    }

    @Test
    public void bindingWithAMalformedNameIsRejectedAndServesNothing() {
        for (String name : new String[] {"", "Mknod", "1mknod", "-mknod", "mk nod", "mk.nod", "mknod/x", " mknod"}) {
            HandlerRegistry r = new HandlerRegistry();
            HandlerBinding b = binding(name, 100, 1, "mknodat");
            r.add(b);
            assertNull("'" + name + "'", r.lookup(X86, 259));
            assertEquals("'" + name + "'", 1, r.rejections().size());
            assertEquals("missing or malformed intercessor.handler", r.rejections().get(0).reason());
        }
    }

    @Test
    public void wellFormedNamesAreAccepted() {
        for (String name : new String[] {"m", "mknod", "mknod2", "dev_nodes", "dev-nodes"}) {
            HandlerRegistry r = new HandlerRegistry();
            HandlerBinding b = binding(name, 0, 1, "mknodat");
            r.add(b);
            assertSame("'" + name + "'", b, r.lookup(X86, 259));
            assertTrue("'" + name + "'", r.rejections().isEmpty());
        }
    }

    @Test
    public void malformedBindingDoesNotBlockAValidOne() {
        HandlerBinding bad = binding("Bad Name", 100, 1, "mknodat");
        HandlerBinding good = binding("good", 0, 2, "mknodat");
        registry.add(bad);
        registry.add(good);
        assertSame(good, registry.lookup(X86, 259));
        assertTrue(rejectionsOf(good).isEmpty());
        assertTrue(rejectionsOf(bad).stream()
                .anyMatch(r -> r.reason().equals("missing or malformed intercessor.handler")));
    }

    @Test
    public void bindingWithOnlyUnknownSyscallsIsRejected() {
        HandlerBinding b = binding("ghost", 0, 1, "no_such_call", "mknod_typo");
        registry.add(b);
        assertEquals(1, registry.rejections().size());
        HandlerRegistry.Rejection r = registry.rejections().get(0);
        assertSame(b, r.binding());
        assertTrue(r.reason(), r.reason().startsWith("serves no known syscall"));
        assertTrue(r.reason(), r.reason().contains("no_such_call"));
    }

    @Test
    public void bindingWithNoSyscallsIsRejected() {
        HandlerBinding b = binding("empty", 0, 1);
        registry.add(b);
        assertEquals(1, registry.rejections().size());
        assertTrue(registry.rejections().get(0).reason().startsWith("serves no known syscall"));
    }

    @Test
    public void removingARejectedBindingClearsItsRejection() {
        registry.add(binding(null, 0, 1, "mknodat"));
        registry.add(binding("ghost", 0, 2, "nothing"));
        assertEquals(2, registry.rejections().size());
        registry.remove(1);
        registry.remove(2);
        assertTrue(registry.rejections().isEmpty());
        assertTrue(registry.bindings().isEmpty());
    }

    @Test(expected = UnsupportedOperationException.class)
    public void rejectionsAreImmutable() {
        registry.add(binding(null, 0, 1, "mknodat"));
        registry.rejections().clear();
    }

    @Test
    public void bindingsIsASnapshot() {
        registry.add(binding("a", 0, 1, "sysinfo"));
        var snapshot = registry.bindings();
        registry.add(binding("b", 0, 2, "bpf"));
        assertEquals(1, snapshot.size());
        assertEquals(2, registry.bindings().size());
    }

    // ---- HandlerBinding.beats --------------------------------------------------------------

    @Test
    public void beatsComparesRankingThenServiceId() {
        HandlerBinding r10id5 = binding("a", 10, 5, "sysinfo");
        HandlerBinding r0id1 = binding("b", 0, 1, "sysinfo");
        HandlerBinding r10id6 = binding("c", 10, 6, "sysinfo");
        assertTrue(r10id5.beats(r0id1));
        assertFalse(r0id1.beats(r10id5));
        assertTrue(r10id5.beats(r10id6));
        assertFalse(r10id6.beats(r10id5));
        assertFalse(r10id5.beats(r10id5));
    }

    @Test
    public void handlerOfTheWinningBindingIsTheServiceObject() throws Exception {
        registry.add(binding("a", 0, 1, "sysinfo"));
        assertSame(Response.continueSyscall(), registry.lookup(X86, 99).handler().handle(null, null, null));
    }

    // ---- numbers no table names ----------------------------------------------------------

    @Test
    public void handlerServesANumberNoTableNamesOnItsArchitectureOnly() {
        HandlerBinding b = binding("greeting", 0, 1, "x86_64:1000");
        registry.add(b);
        assertSame(b, registry.lookup(X86, 1000));
        assertNull(registry.lookup(ARM, 1000));
        assertNull(registry.lookup(SyscallTable.X86, 1000));
        assertEquals(List.of("x86_64:1000"), registry.serving(b));
        assertTrue(registry.rejections().isEmpty());
    }

    @Test
    public void handlerWithOnlyMalformedNumbersIsRejectedWithTheReason() {
        HandlerBinding b = binding("greeting", 0, 1, "x86_64:1");
        registry.add(b);
        assertNull(registry.lookup(X86, 1000));
        assertEquals(List.of(new HandlerRegistry.Rejection(b, "serves no known syscall: [x86_64:1] "
                + "(x86_64:1 is write on x86_64: serve it by that name)")), rejectionsOf(b));
    }

    @Test
    public void malformedNumberBesideAGoodOneIsReportedAndTheGoodOneServed() {
        HandlerBinding b = binding("greeting", 0, 1, "x86_64:1000", "nosuch:5");
        registry.add(b);
        assertSame(b, registry.lookup(X86, 1000));
        assertEquals(1, rejectionsOf(b).size());
        assertTrue(rejectionsOf(b).get(0).reason().startsWith("nosuch:5: no architecture nosuch"));
    }

    @Test
    public void higherRankingWinsANumberAndTheLoserIsTold() {
        HandlerBinding low = binding("low", 0, 1, "x86_64:1000");
        HandlerBinding high = binding("high", 5, 2, "x86_64:1000");
        registry.add(low);
        registry.add(high);
        assertSame(high, registry.lookup(X86, 1000));
        assertEquals(List.of(new HandlerRegistry.Rejection(low, "x86_64:1000 is served by high (service 2, ranking 5)")),
                rejectionsOf(low));
        registry.remove(2);
        assertSame(low, registry.lookup(X86, 1000));
    }
}
