package dev.intercessor.core.internal.dispatch;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.Test;

public class SyscallTableTest {

    private static final List<String> COMMON = List.of("mknodat", "setxattr", "lsetxattr", "fsetxattr",
            "sysinfo", "sched_setparam", "sched_setscheduler", "bpf", "mount", "umount2", "init_module",
            "finit_module", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
            "mount_setattr", "getppid", "getpid");

    @Test
    public void auditArchSelectsTheTable() {
        assertSame(SyscallTable.X86_64, SyscallTable.forAuditArch(0xC000003E));
        assertSame(SyscallTable.AARCH64, SyscallTable.forAuditArch(0xC00000B7));
    }

    @Test
    public void unknownAuditArchHasNoTable() {
        assertNull(SyscallTable.forAuditArch(0x40000003)); // AUDIT_ARCH_I386
        assertNull(SyscallTable.forAuditArch(0xC0000028)); // AUDIT_ARCH_ARM (not 64-bit)
        assertNull(SyscallTable.forAuditArch(0x003E)); // EM_X86_64 without the audit flags
        assertNull(SyscallTable.forAuditArch(0));
        assertNull(SyscallTable.forAuditArch(-1));
    }

    @Test
    public void tablesHaveTheirArchitectureNames() {
        assertEquals("x86_64", SyscallTable.X86_64.name());
        assertEquals("aarch64", SyscallTable.AARCH64.name());
    }

    @Test
    public void x86_64NumbersAreTheKernelsNumbers() {
        SyscallTable t = SyscallTable.X86_64;
        assertEquals(133, t.number("mknod"));
        assertEquals(259, t.number("mknodat"));
        assertEquals(165, t.number("mount"));
        assertEquals(166, t.number("umount2"));
        assertEquals(321, t.number("bpf"));
        assertEquals(39, t.number("getpid"));
        assertEquals(110, t.number("getppid"));
        assertEquals(442, t.number("mount_setattr"));
    }

    @Test
    public void aarch64NumbersAreTheGenericTablesNumbers() {
        SyscallTable t = SyscallTable.AARCH64;
        assertEquals(33, t.number("mknodat"));
        assertEquals(40, t.number("mount"));
        assertEquals(39, t.number("umount2"));
        assertEquals(280, t.number("bpf"));
        assertEquals(172, t.number("getpid"));
        assertEquals(173, t.number("getppid"));
        assertEquals(442, t.number("mount_setattr"));
    }

    @Test
    public void mknodIsAbsentOnAarch64() {
        assertEquals(-1, SyscallTable.AARCH64.number("mknod"));
    }

    @Test
    public void everyCommonCallExistsOnBothArchitectures() {
        for (String name : COMMON) {
            assertTrue(name, SyscallTable.X86_64.number(name) >= 0);
            assertTrue(name, SyscallTable.AARCH64.number(name) >= 0);
        }
    }

    @Test
    public void numberAndNameRoundTrip() {
        for (SyscallTable t : SyscallTable.all()) {
            for (String name : COMMON) {
                assertEquals(t.name() + " " + name, name, t.name(t.number(name)));
            }
            for (int nr = 0; nr < t.size(); nr++) {
                String name = t.name(nr);
                if (!name.equals("syscall_" + nr)) {
                    assertEquals(t.name() + " " + name, nr, t.number(name));
                }
            }
        }
        assertEquals("mknod", SyscallTable.X86_64.name(SyscallTable.X86_64.number("mknod")));
    }

    @Test
    public void numbersAreDistinctWithinATable() {
        for (SyscallTable t : SyscallTable.all()) {
            Set<Integer> seen = new HashSet<>();
            for (String name : COMMON) {
                assertTrue(t.name() + " " + name, seen.add(t.number(name)));
            }
        }
    }

    @Test
    public void unknownNamesHaveNoNumber() {
        for (SyscallTable t : SyscallTable.all()) {
            assertEquals(-1, t.number("read"));
            assertEquals(-1, t.number("MKNODAT"));
            assertEquals(-1, t.number(""));
            assertEquals(-1, t.number(" mknodat"));
        }
    }

    @Test
    public void unknownNumbersAreNamedByNumber() {
        assertEquals("syscall_0", SyscallTable.X86_64.name(0)); // read: not listed
        assertEquals("syscall_134", SyscallTable.X86_64.name(134)); // a gap in the table
        assertEquals("syscall_133", SyscallTable.AARCH64.name(133));
        for (SyscallTable t : SyscallTable.all()) {
            assertEquals("syscall_-1", t.name(-1));
            assertEquals("syscall_" + Integer.MIN_VALUE, t.name(Integer.MIN_VALUE));
            assertEquals("syscall_" + t.size(), t.name(t.size()));
            assertEquals("syscall_100000", t.name(100000));
            assertEquals("syscall_" + Integer.MAX_VALUE, t.name(Integer.MAX_VALUE));
        }
    }

    @Test
    public void sizeIsOneMoreThanTheLargestNumber() {
        assertEquals(443, SyscallTable.X86_64.size());
        assertEquals(443, SyscallTable.AARCH64.size());
        assertEquals("mount_setattr", SyscallTable.X86_64.name(SyscallTable.X86_64.size() - 1));
    }

    @Test
    public void indicesAreDistinctAndDense() {
        SyscallTable[] all = SyscallTable.all();
        assertEquals(2, all.length);
        assertNotEquals(SyscallTable.X86_64.index(), SyscallTable.AARCH64.index());
        Set<Integer> indices = new HashSet<>();
        for (SyscallTable t : all) {
            assertTrue(t.index() >= 0 && t.index() < all.length);
            indices.add(t.index());
        }
        assertEquals(all.length, indices.size());
    }

    @Test
    public void allReturnsACopy() {
        SyscallTable[] all = SyscallTable.all();
        all[0] = null;
        assertArrayEquals(new SyscallTable[] {SyscallTable.X86_64, SyscallTable.AARCH64}, SyscallTable.all());
    }
}
