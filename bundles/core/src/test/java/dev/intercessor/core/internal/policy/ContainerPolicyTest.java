package dev.intercessor.core.internal.policy;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.junit.Test;

import dev.intercessor.admin.PolicyEntry.Source;
import dev.intercessor.api.HandlerOption;

public class ContainerPolicyTest {

    private static ContainerPolicy policy(Map<String, String> annotations, String metadata,
            Map<String, String> global) {
        return new ContainerPolicy("ctr", annotations, metadata, () -> global);
    }

    /** Value and source, the bound left out (the bound tests below check it). */
    private static String vs(ContainerPolicy.Value v) {
        return v == null ? null : v.value() + " (" + v.source() + ")";
    }

    /** A global configuration that bounds {@code k} wide enough for every value used here. */
    private static final String OPEN = "annotation,metadata,global,a,b,c,v,proc,sysfs,tmpfs";

    // ---- precedence ------------------------------------------------------------------------

    @Test
    public void annotationBeatsMetadataBeatsGlobal() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.k", "annotation"), "k=metadata",
                Map.of("k", "global", "bound.k", OPEN));
        assertEquals("annotation (ANNOTATION)", vs(p.lookup("k")));
        assertEquals(Optional.of("annotation"), p.get("k"));
    }

    @Test
    public void metadataBeatsGlobal() {
        ContainerPolicy p = policy(Map.of(), "k=metadata", Map.of("k", "global", "bound.k", OPEN));
        assertEquals("metadata (METADATA)", vs(p.lookup("k")));
        assertEquals(Optional.of("metadata"), p.get("k"));
    }

    @Test
    public void globalAppliesWhenContainerSaysNothing() {
        ContainerPolicy p = policy(Map.of(), "", Map.of("k", "global"));
        assertEquals(new ContainerPolicy.Value("global", Source.GLOBAL, "global", Source.GLOBAL), p.lookup("k"));
        assertEquals(Optional.of("global"), p.get("k"));
    }

    @Test
    public void unsetKeyHasNoValue() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.a", "1"), "b=2", Map.of("c", "3"));
        assertNull(p.lookup("d"));
        assertEquals(Optional.empty(), p.get("d"));
    }

    @Test
    public void eachKeyIsResolvedIndependently() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.a", "A"), "b=B", Map.of("a", "ga", "b", "gb", "c", "gc",
                "bound.a", "A", "bound.b", "B"));
        assertEquals(Source.ANNOTATION, p.lookup("a").source());
        assertEquals(Source.METADATA, p.lookup("b").source());
        assertEquals(Source.GLOBAL, p.lookup("c").source());
    }

    @Test
    public void emptyAnnotationValueStillWins() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.k", ""), "k=metadata", Map.of("k", "global"));
        assertEquals("an empty list narrows to nothing", " (ANNOTATION)", vs(p.lookup("k")));
    }

    @Test
    public void annotationsWithoutThePrefixAreIgnored() {
        Map<String, String> a = new HashMap<>();
        a.put("k", "bare");
        a.put("io.other.k", "other");
        a.put("dev.intercessork", "no dot");
        a.put("DEV.INTERCESSOR.k", "wrong case");
        a.put("x.dev.intercessor.k", "not a prefix");
        ContainerPolicy p = policy(a, null, Map.of());
        assertNull(p.lookup("k"));
        assertNull(p.lookup("io.other.k"));
    }

    @Test
    public void bareAnnotationPrefixSetsNoKey() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.", "x"), null, Map.of());
        assertNull(p.lookup(""));
    }

    @Test
    public void annotationKeysKeepTheirDots() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.mount.allowed", "proc"), null,
                Map.of("bound.mount.allowed", "proc"));
        assertEquals(Optional.of("proc"), p.get("mount.allowed"));
    }

    @Test
    public void eachNewConfigurationAppliesToTheNextLookup() {
        // The supplier gives a new snapshot per configuration, as GlobalPolicy does.
        java.util.concurrent.atomic.AtomicReference<Map<String, String>> global =
                new java.util.concurrent.atomic.AtomicReference<>(Map.of());
        ContainerPolicy p = new ContainerPolicy("ctr", Map.of(), null, global::get);
        assertNull(p.lookup("k"));
        global.set(Map.of("k", "v1"));
        assertEquals(Optional.of("v1"), p.get("k"));
        assertEquals(Optional.of("v1"), p.get("k"));
        global.set(Map.of("k", "v2"));
        assertEquals(Optional.of("v2"), p.get("k"));
        global.set(Map.of());
        assertEquals(Optional.empty(), p.get("k"));
    }

    @Test
    public void aRuntimeOverrideAndItsResetApplyToTheNextLookup() {
        ContainerPolicy p = new ContainerPolicy("ctr", Map.of(), null, () -> Map.of("mknod.enabled", "true"));
        assertTrue(p.getBoolean("mknod.enabled", false));
        p.set("mknod.enabled", "false");
        assertFalse(p.getBoolean("mknod.enabled", false));
        assertTrue(p.reset("mknod.enabled"));
        assertTrue(p.getBoolean("mknod.enabled", false));
        assertEquals("the handler's default is part of what is looked up", "x",
                new ContainerPolicy("ctr", Map.of(), null, Map::of).lookup("a.b", "x").value());
    }

    @Test
    public void replacedGlobalMapIsSeenImmediately() {
        AtomicReference<Map<String, String>> current = new AtomicReference<>(Map.of("k", "old"));
        ContainerPolicy p = new ContainerPolicy("ctr", Map.of(), null, current::get);
        assertFalse(p.getBoolean("k", true));
        current.set(Map.of("k", "true"));
        assertTrue(p.getBoolean("k", false));
    }

    @Test
    public void globalIsNotConsultedWhenTheContainerSetsTheKey() {
        AtomicInteger reads = new AtomicInteger();
        Supplier<Map<String, String>> global = () -> {
            reads.incrementAndGet();
            return Map.of("k", "global");
        };
        ContainerPolicy p = new ContainerPolicy("ctr", Map.of("dev.intercessor.k", "a"), "m=1", global);
        p.get("k");
        p.get("m");
        assertEquals("once per lookup, for the bound", 2, reads.get());
    }

    @Test
    public void laterChangesToTheAnnotationMapAreNotSeen() {
        Map<String, String> a = new HashMap<>();
        a.put("dev.intercessor.k", "v");
        ContainerPolicy p = policy(a, null, Map.of("bound.k", OPEN + ",changed"));
        a.put("dev.intercessor.k", "changed");
        assertEquals(Optional.of("v"), p.get("k"));
    }

    @Test
    public void containerIdIsReported() {
        assertEquals("my-ctr", new ContainerPolicy("my-ctr", Map.of(), null, Map::of).containerId());
    }

    // ---- parseMetadata ---------------------------------------------------------------------

    @Test
    public void metadataIsOneKeyValuePerLine() {
        assertEquals(Map.of("a", "1", "b.c", "2"), ContainerPolicy.parseMetadata("a=1\nb.c=2"));
    }

    @Test
    public void nullOrEmptyMetadataIsEmpty() {
        assertEquals(Map.of(), ContainerPolicy.parseMetadata(null));
        assertEquals(Map.of(), ContainerPolicy.parseMetadata(""));
        assertEquals(Map.of(), ContainerPolicy.parseMetadata("\n\n\r\n"));
    }

    @Test
    public void metadataSkipsBlankLinesCommentsAndLinesWithoutEquals() {
        String m = "\n# a comment=ignored\n   \na=1\n  # indented=comment\njust words\n=novalue\n  =x\n\nb=2\n";
        assertEquals(Map.of("a", "1", "b", "2"), ContainerPolicy.parseMetadata(m));
    }

    @Test
    public void metadataAcceptsCrlfAndCr() {
        assertEquals(Map.of("a", "1", "b", "2", "c", "3"), ContainerPolicy.parseMetadata("a=1\r\nb=2\rc=3\r\n"));
    }

    @Test
    public void metadataKeysAndValuesAreTrimmed() {
        assertEquals(Map.of("a", "1", "b", "x y"), ContainerPolicy.parseMetadata("  a  =  1  \n\tb\t=\tx y\t"));
    }

    @Test
    public void metadataValueMayContainEqualsAndBeEmpty() {
        assertEquals(Map.of("a", "b=c", "e", ""), ContainerPolicy.parseMetadata("a=b=c\ne="));
    }

    @Test
    public void laterMetadataLineWins() {
        assertEquals(Map.of("a", "2"), ContainerPolicy.parseMetadata("a=1\na=2"));
    }

    @Test
    public void hashInsideValueIsKept() {
        assertEquals(Map.of("a", "x#y"), ContainerPolicy.parseMetadata("a=x#y"));
    }

    // ---- getBoolean ------------------------------------------------------------------------

    @Test
    public void trueYesOnAndOneAreTrueInAnyCase() {
        for (String v : Arrays.asList("true", "TRUE", "True", "yes", "YES", "Yes", "on", "ON", "On", "1",
                " true ", "\tyes")) {
            assertTrue("'" + v + "'", policy(Map.of(), null, Map.of("k", v)).getBoolean("k", false));
        }
    }

    @Test
    public void anythingElseIsFalse() {
        for (String v : Arrays.asList("false", "no", "off", "0", "", " ", "2", "y", "t", "enabled", "truee",
                "tr ue", "-1")) {
            assertFalse("'" + v + "'", policy(Map.of(), null, Map.of("k", v)).getBoolean("k", true));
        }
    }

    @Test
    public void booleanDefaultAppliesOnlyWhenUnset() {
        ContainerPolicy p = policy(Map.of(), "", Map.of());
        assertTrue(p.getBoolean("k", true));
        assertFalse(p.getBoolean("k", false));
    }

    @Test
    public void booleanFollowsPrecedence() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.mknod.enabled", "true"), "mknod.enabled=false",
                Map.of("mknod.enabled", "false", "bound.mknod.enabled", "true"));
        assertTrue(p.getBoolean("mknod.enabled", false));
        ContainerPolicy q = policy(Map.of(), "mknod.enabled=false", Map.of("mknod.enabled", "true"));
        assertFalse(q.getBoolean("mknod.enabled", true));
    }

    // ---- getList ---------------------------------------------------------------------------

    @Test
    public void listIsCommaSeparatedTrimmedAndSkipsEmpties() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.k", " proc , sysfs,,  ,tmpfs ,"), null, Map.of("bound.k", OPEN));
        assertEquals(List.of("proc", "sysfs", "tmpfs"), p.getList("k"));
    }

    @Test
    public void listOfOneElement() {
        assertEquals(List.of("proc"), policy(Map.of(), "k=proc", Map.of("bound.k", OPEN)).getList("k"));
    }

    @Test
    public void unsetOrEmptyListIsEmpty() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.e", ""), null, Map.of("c", ",, ,"));
        assertEquals(List.of(), p.getList("unset"));
        assertEquals(List.of(), p.getList("e"));
        assertEquals(List.of(), p.getList("c"));
    }

    @Test
    public void listFollowsPrecedence() {
        ContainerPolicy p = policy(Map.of(), "k=a,b", Map.of("k", "c", "bound.k", OPEN));
        assertEquals(List.of("a", "b"), p.getList("k"));
    }

    // ---- runtime overrides ---------------------------------------------------------------

    @Test
    public void runtimeValueBeatsEverySourceAndResetRestoresTheNext() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.mknod.enabled", "false"), "mknod.enabled=false",
                Map.of("mknod.enabled", "false"));
        p.set("mknod.enabled", "true");
        assertEquals("true (RUNTIME)", vs(p.lookup("mknod.enabled")));
        assertTrue(p.getBoolean("mknod.enabled", false));
        assertTrue(p.reset("mknod.enabled"));
        assertEquals(Source.ANNOTATION, p.lookup("mknod.enabled").source());
        assertFalse("nothing left to reset", p.reset("mknod.enabled"));
    }

    @Test
    public void malformedRuntimeKeysAreRefused() {
        ContainerPolicy p = policy(Map.of(), null, Map.of());
        for (String key : Arrays.asList(null, "", "mknod", "Mknod.enabled", "mknod.", ".enabled", "a b.c", "x..y")) {
            try {
                p.set(key, "v");
                fail("accepted '" + key + "'");
            } catch (IllegalArgumentException expected) {
                // refused
            }
        }
        assertTrue(p.effective(Map.of()).isEmpty());
    }

    @Test
    public void effectiveListsEveryKeyOnceWithItsWinningSource() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.a.x", "1", "other", "z"), "a.y=2\na.x=9",
                Map.of("a.z", "3", "a.y", "8", "bound.a.x", "5"));
        p.set("a.w", "0");
        Map<String, ContainerPolicy.Value> e = p.effective(Map.of());
        assertEquals(List.of("a.w", "a.x", "a.y", "a.z"), List.copyOf(e.keySet()));
        assertEquals("0 (RUNTIME)", vs(e.get("a.w")));
        assertEquals("1 (ANNOTATION)", vs(e.get("a.x")));
        assertEquals("2 (METADATA)", vs(e.get("a.y")));
        assertEquals("3 (GLOBAL)", vs(e.get("a.z")));
    }

    // ---- operator bounds -------------------------------------------------------------------

    @Test
    public void aContainerCannotEnableWhatTheOperatorLeftOff() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.sched.enabled", "true"), "", Map.of());
        assertFalse("handler default false is the bound", p.getBoolean("sched.enabled", false));
        ContainerPolicy q = policy(Map.of(), "sched.enabled=true", Map.of("sched.enabled", "false"));
        assertFalse("the operator's value is the bound", q.getBoolean("sched.enabled", false));
        assertEquals(new ContainerPolicy.Value("false", Source.METADATA, "false", Source.GLOBAL),
                q.lookup("sched.enabled", "false"));
    }

    @Test
    public void anExplicitBoundLetsContainersOptIn() {
        Map<String, String> g = Map.of("bound.sched.enabled", "true");
        assertTrue(policy(Map.of("dev.intercessor.sched.enabled", "true"), "", g).getBoolean("sched.enabled", false));
        assertFalse("and the default stays off", policy(Map.of(), "", g).getBoolean("sched.enabled", false));
        assertEquals(new ContainerPolicy.Value("false", Source.DEFAULT, "true", Source.GLOBAL),
                policy(Map.of(), "", g).lookup("sched.enabled", "false"));
    }

    @Test
    public void aContainerMayAlwaysTurnAHandlerOff() {
        assertFalse(policy(Map.of("dev.intercessor.mknod.enabled", "no"), "", Map.of()).getBoolean("mknod.enabled", true));
        assertFalse(policy(Map.of(), "mknod.enabled=off", Map.of("mknod.enabled", "true")).getBoolean("mknod.enabled", true));
    }

    @Test
    public void listsAreNarrowedToTheBoundsElements() {
        Map<String, String> g = Map.of("bound.mount.allowed", "ext4,vfat");
        ContainerPolicy p = policy(Map.of("dev.intercessor.mount.allowed", "vfat,xfs,ext4"), "", g);
        assertEquals(List.of("vfat", "ext4"), p.getList("mount.allowed"));
        assertEquals(new ContainerPolicy.Value("vfat,ext4", Source.ANNOTATION, "ext4,vfat", Source.GLOBAL),
                p.lookup("mount.allowed"));
        assertEquals(List.of(), policy(Map.of("dev.intercessor.mount.allowed", "xfs"), "", g).getList("mount.allowed"));
    }

    @Test
    public void aFuseServerMustBeOneTheOperatorListed() {
        Map<String, String> g = Map.of("bound.mount.fuse", "ext4=/usr/sbin/fuse2fs");
        assertEquals(List.of(), policy(Map.of("dev.intercessor.mount.fuse", "ext4=sh"), "", g).getList("mount.fuse"));
        assertEquals(List.of("ext4=/usr/sbin/fuse2fs"),
                policy(Map.of("dev.intercessor.mount.fuse", "ext4=/usr/sbin/fuse2fs"), "", g).getList("mount.fuse"));
    }

    @Test
    public void aKeyWithoutBoundCannotBeSetByTheContainer() {
        ContainerPolicy p = policy(Map.of("dev.intercessor.setxattr.allowed", "security.capability=x"),
                "mount.allowed=ext4", Map.of());
        assertNull(p.lookup("setxattr.allowed"));
        assertEquals(List.of(), p.getList("mount.allowed"));
    }

    @Test
    public void numbersAreMaxima() {
        Map<String, String> g = Map.of("bpf.maxPrograms", "16");
        assertEquals(Optional.of("4"), policy(Map.of("dev.intercessor.bpf.maxPrograms", "4"), "", g).get("bpf.maxPrograms"));
        assertEquals(Optional.of("16"), policy(Map.of("dev.intercessor.bpf.maxPrograms", "9999"), "", g).get("bpf.maxPrograms"));
        assertEquals("not a number: the operator's value", Optional.of("16"),
                policy(Map.of("dev.intercessor.bpf.maxPrograms", "many"), "", g).get("bpf.maxPrograms"));
    }

    @Test
    public void aRequestOfTheWrongShapeFallsBackToTheOperatorsValue() {
        Map<String, String> g = Map.of("mknod.enabled", "true");
        assertTrue(policy(Map.of("dev.intercessor.mknod.enabled", "maybe"), "", g).getBoolean("mknod.enabled", false));
    }

    @Test
    public void theOperatorsRuntimeValueIsNotBounded() {
        ContainerPolicy p = policy(Map.of(), "", Map.of());
        p.set("sched.enabled", "true");
        assertTrue(p.getBoolean("sched.enabled", false));
        assertEquals(new ContainerPolicy.Value("true", Source.RUNTIME, "true", Source.RUNTIME), p.lookup("sched.enabled"));
    }

    @Test
    public void effectiveShowsBoundOnlyKeysAndHandlerDefaults() {
        ContainerPolicy p = policy(Map.of(), "", Map.of("bound.sched.enabled", "true"));
        Map<String, ContainerPolicy.Value> all = p.effective(Map.of("mknod.enabled", "true"));
        assertEquals(new ContainerPolicy.Value("true", Source.DEFAULT, "true", Source.DEFAULT), all.get("mknod.enabled"));
        assertEquals(new ContainerPolicy.Value(null, null, "true", Source.GLOBAL), all.get("sched.enabled"));
        assertEquals(2, all.size());
    }

    @Test
    public void narrowingByShape() {
        assertEquals("true", ContainerPolicy.narrow("yes", "on"));
        assertEquals("false", ContainerPolicy.narrow("true", "false"));
        assertNull(ContainerPolicy.narrow("1", "true"));
        assertEquals("3", ContainerPolicy.narrow("3", "10"));
        assertEquals("10", ContainerPolicy.narrow("11", "10"));
        assertEquals("-1", ContainerPolicy.narrow("-1", "10"));
        assertEquals("a", ContainerPolicy.narrow(" a ,,b", "a,c"));
        assertEquals("", ContainerPolicy.narrow("", "a"));
    }

    // ---- declared options --------------------------------------------------------------------

    private static final HandlerOption<Long> MAX = HandlerOption.number("bpf.maxPrograms", 64, 0, 4096, "programs");
    private static final HandlerOption<Boolean> SHIFT = HandlerOption.bool("mount.shift", false, "shift");

    private static OptionCatalog catalog(HandlerOption<?>... options) {
        OptionCatalog c = new OptionCatalog();
        Map<String, HandlerOption<?>> byKey = new HashMap<>();
        for (HandlerOption<?> o : options) {
            byKey.put(o.key(), o);
        }
        c.replace(byKey);
        return c;
    }

    @Test
    public void aDeclaredOptionRefusesABadRuntimeValueAndKeepsTheOldOne() {
        ContainerPolicy p = new ContainerPolicy("ctr", Map.of(), "", Map::of, catalog(MAX));
        p.set("bpf.maxPrograms", "8");
        try {
            p.set("bpf.maxPrograms", "lots");
            fail("accepted a value the option refuses");
        } catch (IllegalArgumentException e) {
            assertEquals("bpf.maxPrograms: 'lots' is not a whole number; nothing changed (programs)", e.getMessage());
        }
        assertEquals(Long.valueOf(8), p.value(MAX));
        // A key no handler declares is taken as it is: its handler may come later.
        p.set("other.option", "anything");
        assertEquals(Optional.of("anything"), p.get("other.option"));
    }

    @Test
    public void aDeclaredOptionNarrowsByItsTypeWithItsDefaultAsTheBound() {
        // The operator says nothing: the option's default (64) is the most a container gets.
        ContainerPolicy p = new ContainerPolicy("ctr", Map.of("dev.intercessor.bpf.maxPrograms", "1000"), "",
                Map::of, catalog(MAX, SHIFT));
        assertEquals(Long.valueOf(64), p.value(MAX));
        p = new ContainerPolicy("ctr", Map.of("dev.intercessor.bpf.maxPrograms", "3"), "mount.shift=on",
                Map::of, catalog(MAX, SHIFT));
        assertEquals(Long.valueOf(3), p.value(MAX));
        assertEquals("false with the default false as the bound", Boolean.FALSE, p.value(SHIFT));
        p = new ContainerPolicy("ctr", Map.of(), "mount.shift=on", () -> Map.of("bound.mount.shift", "true"),
                catalog(MAX, SHIFT));
        assertEquals(Boolean.TRUE, p.value(SHIFT));
    }

    @Test
    public void aRequestTheOptionRefusesIsIgnored() {
        ContainerPolicy p = new ContainerPolicy("ctr", Map.of("dev.intercessor.bpf.maxPrograms", "-5"), "",
                () -> Map.of("bpf.maxPrograms", "10"), catalog(MAX));
        assertEquals(Long.valueOf(10), p.value(MAX));
        assertEquals(Source.GLOBAL, p.lookup("bpf.maxPrograms").source());
    }

    @Test
    public void theTypedValueIsParsedOncePerChange() {
        AtomicReference<Map<String, String>> global = new AtomicReference<>(Map.of("bpf.maxPrograms", "10"));
        OptionCatalog options = catalog(MAX);
        ContainerPolicy p = new ContainerPolicy("ctr", Map.of(), "", global::get, options);
        Long first = p.value(MAX);
        assertEquals(Long.valueOf(10), first);
        assertTrue("the same parsed object until something changes", first == p.value(MAX));
        global.set(Map.of("bpf.maxPrograms", "20"));
        assertEquals(Long.valueOf(20), p.value(MAX));
        p.set("bpf.maxPrograms", "30");
        assertEquals(Long.valueOf(30), p.value(MAX));
        // A handler that now declares the key another way is held to it at once.
        HandlerOption<Long> smaller = HandlerOption.number("bpf.maxPrograms", 1, 0, 25, "programs");
        options.replace(Map.of(smaller.key(), smaller));
        assertEquals("30 is out of the new bounds: the global 20 applies", Long.valueOf(20), p.value(smaller));
    }
}
