package dev.intercessor.core.internal.dispatch;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.Test;

public class SyscallTableTest {

    private static final int X32_BIT = SyscallTable.X32_SYSCALL_BIT;

    /** The calls Intercessor's own handlers and benchmarks use. */
    private static final List<String> COMMON = List.of("mknodat", "setxattr", "lsetxattr", "fsetxattr",
            "sysinfo", "sched_setparam", "sched_setscheduler", "bpf", "mount", "umount2", "init_module",
            "finit_module", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
            "mount_setattr", "getppid", "getpid");

    private static SyscallTable table(String name) {
        return Arrays.stream(SyscallTable.all()).filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no table " + name));
    }

    // ---- loading ---------------------------------------------------------------------------

    @Test
    public void everyListedArchitectureIsLoaded() {
        Set<String> names = Arrays.stream(SyscallTable.all()).map(SyscallTable::name).collect(Collectors.toSet());
        assertTrue(names.toString(), names.containsAll(List.of("x86_64", "x86", "x32", "aarch64", "arm", "riscv64",
                "s390x", "ppc64le", "ppc64", "ppc", "s390", "mips", "mips64", "parisc")));
        for (SyscallTable t : SyscallTable.all()) {
            assertTrue(t.name() + " has " + t.size(), t.size() > 250);
        }
    }

    @Test
    public void namedTablesAreThoseOfTheirArchitectures() {
        assertEquals("x86_64", SyscallTable.X86_64.name());
        assertEquals("x86", SyscallTable.X86.name());
        assertEquals("x32", SyscallTable.X32.name());
        assertEquals("aarch64", SyscallTable.AARCH64.name());
        assertEquals("arm", SyscallTable.ARM.name());
    }

    @Test
    public void theTableSaysWhereItCameFromAndHowToMakeItAgain() throws IOException {
        List<String> lines = resourceLines();
        assertTrue(lines.get(0), lines.get(0).matches("# .* libseccomp \\d+\\.\\d+\\.\\d+ .*"));
        assertTrue(lines.stream().limit(10).anyMatch(l -> l.contains("bundles/core/src/main/syscalls/generate")));
        assertTrue(Files.isExecutable(Path.of("src/main/syscalls/generate")));
    }

    /**
     * Where libseccomp-dev of the version the table names is installed, the generator prints the
     * committed table exactly. Elsewhere (CI installs no libseccomp-dev) there is nothing to compare.
     */
    @Test
    public void theCommittedTableIsWhatTheGeneratorPrints() throws Exception {
        assumeTrue("libseccomp-dev is not installed", Files.exists(Path.of("/usr/include/seccomp.h")));
        String header = resourceLines().get(0);
        String version = header.replaceAll(".* libseccomp (\\d+\\.\\d+\\.\\d+) .*", "$1");
        Path out = Files.createTempFile("syscalls", ".tsv");
        try {
            Process p = new ProcessBuilder("src/main/syscalls/generate", out.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue("generate timed out", p.waitFor(60, TimeUnit.SECONDS));
            assumeTrue("generate could not run here: " + log, p.exitValue() == 0);
            List<String> generated = Files.readAllLines(out);
            assumeTrue("installed libseccomp is not " + version + ": " + generated.get(0),
                    generated.get(0).equals(header));
            assertEquals(resourceLines(), generated);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static List<String> resourceLines() throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                SyscallTable.class.getResourceAsStream(SyscallTable.RESOURCE), StandardCharsets.US_ASCII))) {
            return r.lines().toList();
        }
    }

    @Test
    public void malformedLinesAreRefusedWithTheirLineNumber() {
        for (String bad : new String[] {"x86_64\t0xc000003e\tread", "x86_64\tc000003e\tread\t0",
            "x86_64\t0xc000003e\tread\tzero", "x86_64\t0xc000003e\tRead\t0", "x86_64\t0xc000003e\t\t0",
            "x86_64\t0xc000003e\t9read\t0", "x86_64\t0xc000003e\tre-ad\t0"}) {
            IllegalStateException e = assertThrows(bad, IllegalStateException.class,
                    () -> SyscallTable.parse(List.of("# header", bad)));
            assertTrue(e.getMessage(), e.getMessage().contains("line 2"));
        }
    }

    @Test
    public void aNameOrNumberTwiceInOneTableIsRefused() {
        assertThrows(IllegalStateException.class, () -> SyscallTable.parse(
                List.of("a\t0x1\tread\t0", "a\t0x1\tread\t1")));
        assertThrows(IllegalStateException.class, () -> SyscallTable.parse(
                List.of("a\t0x1\tread\t0", "a\t0x1\twrite\t0")));
        assertThrows(IllegalStateException.class, () -> SyscallTable.parse(
                List.of("a\t0x1\tread\t0", "a\t0x2\twrite\t1")));
    }

    @Test
    public void parsedTablesKeepTheFilesOrder() {
        SyscallTable[] t = SyscallTable.parse(List.of("# c", "", "b\t0x2\tread\t0", "a\t0x1\tread\t3",
                "b\t0x2\twrite\t1"));
        assertEquals(2, t.length);
        assertEquals("b", t[0].name());
        assertEquals(0, t[0].index());
        assertEquals(2, t[0].size());
        assertEquals("a", t[1].name());
        assertEquals(1, t[1].size());
        assertEquals("read", t[1].name(3));
        assertEquals("syscall_0", t[1].name(0));
    }

    // ---- selecting a table -----------------------------------------------------------------

    @Test
    public void auditArchSelectsTheTable() {
        assertSame(SyscallTable.X86_64, SyscallTable.forAuditArch(0xC000003E));
        assertSame(SyscallTable.X86, SyscallTable.forAuditArch(0x40000003));
        assertSame(SyscallTable.AARCH64, SyscallTable.forAuditArch(0xC00000B7));
        assertSame(SyscallTable.ARM, SyscallTable.forAuditArch(0x40000028));
        assertSame(table("riscv64"), SyscallTable.forAuditArch(0xC00000F3));
        assertSame(table("s390x"), SyscallTable.forAuditArch(0x80000016));
        assertSame(table("ppc64le"), SyscallTable.forAuditArch(0xC0000015));
        for (SyscallTable t : SyscallTable.all()) {
            if (t != SyscallTable.X32) {
                assertSame(t.name(), t, SyscallTable.forAuditArch(t.auditArch()));
            }
        }
    }

    @Test
    public void unknownAuditArchHasNoTable() {
        assertNull(SyscallTable.forAuditArch(0xC0000028)); // ARM's machine with the 64-bit flag
        assertNull(SyscallTable.forAuditArch(0x003E)); // EM_X86_64 without the audit flags
        assertNull(SyscallTable.forAuditArch(0x4000003E)); // libseccomp's own SCMP_ARCH_X32 token
        assertNull(SyscallTable.forAuditArch(0));
        assertNull(SyscallTable.forAuditArch(-1));
        assertNull(SyscallTable.forCall(0, 63));
    }

    @Test
    public void x32CallsAreTheX86_64AuditArchWithTheX32Bit() {
        assertEquals(SyscallTable.AUDIT_ARCH_X86_64, SyscallTable.X32.auditArch());
        assertSame(SyscallTable.X32, SyscallTable.forCall(SyscallTable.AUDIT_ARCH_X86_64, 63 | X32_BIT));
        assertSame(SyscallTable.X86_64, SyscallTable.forCall(SyscallTable.AUDIT_ARCH_X86_64, 63));
        assertSame(SyscallTable.X86_64, SyscallTable.forAuditArch(SyscallTable.AUDIT_ARCH_X86_64));
        // The bit means nothing to another architecture.
        assertSame(SyscallTable.X86, SyscallTable.forCall(SyscallTable.AUDIT_ARCH_I386, 122 | X32_BIT));
        assertEquals("syscall_" + (122 | X32_BIT), SyscallTable.X86.name(122 | X32_BIT));
    }

    @Test
    public void x32NumbersCarryTheBitAndDoNotSizeTheTable() {
        SyscallTable x32 = SyscallTable.X32;
        assertEquals(63 | X32_BIT, x32.number("uname"));
        assertEquals("uname", x32.name(63 | X32_BIT));
        assertEquals("syscall_63", x32.name(63)); // an x86_64 number, not an x32 one
        assertEquals("syscall_" + (63 | X32_BIT), SyscallTable.X86_64.name(63 | X32_BIT));
        assertEquals(-1, SyscallTable.X86_64.slot(63 | X32_BIT));
        // x32's own entry points for calls whose structs differ from x86_64's.
        assertEquals(514 | X32_BIT, x32.number("ioctl"));
        assertEquals(16, SyscallTable.X86_64.number("ioctl"));
        assertEquals(133 | X32_BIT, x32.number("mknod"));
        assertTrue("x32 slots: " + x32.size(), x32.size() > 512 && x32.size() < 1024);
    }

    @Test
    public void armPrivateCallsAreKnownWithoutSizingTheTable() {
        SyscallTable arm = SyscallTable.ARM;
        assertEquals(0x0f0002, arm.number("cacheflush"));
        assertEquals(0x0f0005, arm.number("set_tls"));
        assertEquals("cacheflush", arm.name(0x0f0002));
        assertEquals("syscall_" + 0x0f0000, arm.name(0x0f0000));
        assertTrue("arm slots: " + arm.size(), arm.size() < 1024);
        int slot = arm.slot(0x0f0002);
        assertTrue(slot >= 0 && slot < arm.size());
    }

    // ---- the kernel's numbers --------------------------------------------------------------

    @Test
    public void unameHasEachArchitecturesNumber() {
        assertEquals(63, SyscallTable.X86_64.number("uname"));
        assertEquals(122, SyscallTable.X86.number("uname"));
        assertEquals(160, SyscallTable.AARCH64.number("uname"));
        assertEquals(122, SyscallTable.ARM.number("uname"));
        assertEquals(160, table("riscv64").number("uname"));
        assertEquals(122, table("s390x").number("uname"));
        assertEquals(122, table("ppc64le").number("uname"));
        assertEquals(4122, table("mips").number("uname"));
        assertEquals(5061, table("mips64").number("uname"));
    }

    @Test
    public void x86_64NumbersAreTheKernelsNumbers() {
        SyscallTable t = SyscallTable.X86_64;
        assertEquals(0, t.number("read"));
        assertEquals(133, t.number("mknod"));
        assertEquals(259, t.number("mknodat"));
        assertEquals(99, t.number("sysinfo"));
        assertEquals(165, t.number("mount"));
        assertEquals(166, t.number("umount2"));
        assertEquals(321, t.number("bpf"));
        assertEquals(39, t.number("getpid"));
        assertEquals(110, t.number("getppid"));
        assertEquals(442, t.number("mount_setattr"));
    }

    @Test
    public void i386NumbersAreTheKernelsNumbers() {
        SyscallTable t = SyscallTable.X86;
        assertEquals(14, t.number("mknod"));
        assertEquals(297, t.number("mknodat"));
        assertEquals(116, t.number("sysinfo"));
        assertEquals(226, t.number("setxattr"));
        assertEquals(156, t.number("sched_setscheduler"));
        assertEquals(357, t.number("bpf"));
        assertEquals(21, t.number("mount"));
        assertEquals(442, t.number("mount_setattr"));
        // Direct socket calls (since 4.3) as well as the socketcall multiplexer.
        assertEquals(102, t.number("socketcall"));
        assertEquals(359, t.number("socket"));
    }

    @Test
    public void aarch64NumbersAreTheGenericTablesNumbers() {
        SyscallTable t = SyscallTable.AARCH64;
        assertEquals(33, t.number("mknodat"));
        assertEquals(179, t.number("sysinfo"));
        assertEquals(40, t.number("mount"));
        assertEquals(39, t.number("umount2"));
        assertEquals(280, t.number("bpf"));
        assertEquals(172, t.number("getpid"));
        assertEquals(173, t.number("getppid"));
        assertEquals(442, t.number("mount_setattr"));
    }

    @Test
    public void mknodIsAbsentFromTheGenericTable() {
        assertEquals(-1, SyscallTable.AARCH64.number("mknod"));
        assertEquals(-1, table("riscv64").number("mknod"));
        assertEquals(14, SyscallTable.ARM.number("mknod"));
    }

    @Test
    public void everyCommonCallExistsOnTheArchitecturesAHostRuns() {
        for (SyscallTable t : List.of(SyscallTable.X86_64, SyscallTable.X86, SyscallTable.X32, SyscallTable.AARCH64,
                SyscallTable.ARM)) {
            for (String name : COMMON) {
                assertTrue(t.name() + " " + name, t.number(name) >= 0);
            }
        }
    }

    // ---- names, numbers and slots ----------------------------------------------------------

    @Test
    public void numberAndNameRoundTrip() {
        for (SyscallTable t : SyscallTable.all()) {
            for (String name : COMMON) {
                if (t.number(name) >= 0) {
                    assertEquals(t.name() + " " + name, name, t.name(t.number(name)));
                }
            }
            List<String> lines = linesOf(t);
            assertTrue(t.name(), lines.size() > 250);
            for (String line : lines) {
                String[] f = line.split("\t");
                int nr = Integer.parseInt(f[3]);
                assertEquals(line, f[2], t.name(nr));
                assertEquals(line, nr, t.number(f[2]));
                assertEquals(line, t.auditArch(), Integer.parseUnsignedInt(f[1].substring(2), 16));
            }
        }
    }

    private static List<String> linesOf(SyscallTable t) {
        try {
            return resourceLines().stream().filter(l -> l.startsWith(t.name() + "\t")).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    public void slotsAreDistinctAndInRange() {
        for (SyscallTable t : SyscallTable.all()) {
            Set<Integer> slots = new HashSet<>();
            for (String line : linesOf(t)) {
                int slot = t.slot(Integer.parseInt(line.split("\t")[3]));
                assertTrue(line + " -> " + slot, slot >= 0 && slot < t.size());
                assertTrue(line, slots.add(slot));
            }
        }
    }

    @Test
    public void unknownNamesHaveNoNumber() {
        for (SyscallTable t : SyscallTable.all()) {
            assertEquals(-1, t.number("no_such_call"));
            assertEquals(-1, t.number("MKNODAT"));
            assertEquals(-1, t.number(""));
            assertEquals(-1, t.number(" mknodat"));
        }
    }

    @Test
    public void unknownNumbersAreNamedByNumberAndHaveNoSlot() {
        assertEquals("syscall_335", SyscallTable.X86_64.name(335)); // a gap in the table
        assertEquals(-1, SyscallTable.X86_64.slot(335));
        for (SyscallTable t : SyscallTable.all()) {
            for (int nr : new int[] {-1, Integer.MIN_VALUE, 100000, Integer.MAX_VALUE, 0x3fffffff, -X32_BIT}) {
                assertEquals(t.name(), "syscall_" + nr, t.name(nr));
                assertEquals(t.name(), -1, t.slot(nr));
            }
        }
    }

    @Test
    public void aCompatCallersArgumentsAreTheirLow32Bits() {
        long atFdcwdFrom32Bit = 0xdead0000_ffffff9cL; // whatever the caller left in the upper half
        assertEquals(0xffffff9cL, SyscallTable.X86.argument(atFdcwdFrom32Bit));
        assertEquals(-100, (int) SyscallTable.X86.argument(atFdcwdFrom32Bit));
        assertEquals(0xffffff9cL, SyscallTable.ARM.argument(atFdcwdFrom32Bit));
        assertEquals(atFdcwdFrom32Bit, SyscallTable.X86_64.argument(atFdcwdFrom32Bit));
        assertEquals(atFdcwdFrom32Bit, SyscallTable.AARCH64.argument(atFdcwdFrom32Bit));
        assertEquals("x32 passes 64-bit registers", atFdcwdFrom32Bit, SyscallTable.X32.argument(atFdcwdFrom32Bit));
    }

    @Test
    public void indicesAreDistinctAndDense() {
        SyscallTable[] all = SyscallTable.all();
        Set<Integer> indices = new HashSet<>();
        for (SyscallTable t : all) {
            assertTrue(t.index() >= 0 && t.index() < all.length);
            indices.add(t.index());
            assertSame(t, all[t.index()]);
        }
        assertEquals(all.length, indices.size());
    }

    @Test
    public void allReturnsACopy() {
        SyscallTable[] all = SyscallTable.all();
        SyscallTable first = all[0];
        all[0] = null;
        assertNotNull(SyscallTable.all()[0]);
        assertSame(first, SyscallTable.all()[0]);
        assertArrayEquals(SyscallTable.all(), SyscallTable.all());
    }

    @Test
    public void everyArchitectureHasOneAuditArchExceptThatX32SharesX86_64s() {
        Map<Integer, List<String>> byAuditArch = Arrays.stream(SyscallTable.all()).collect(
                Collectors.groupingBy(SyscallTable::auditArch, Collectors.mapping(SyscallTable::name, Collectors.toList())));
        byAuditArch.forEach((arch, names) -> {
            if (arch == SyscallTable.AUDIT_ARCH_X86_64) {
                assertEquals(List.of("x86_64", "x32"), names);
            } else {
                assertEquals(names.toString(), 1, names.size());
            }
        });
    }
}
