package dev.intercessor.core.internal.dispatch;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import org.junit.Test;

/** What a handler sees of a call, whichever ABI the caller used. */
public class NotificationViewTest {

    /** Registers of a 32-bit caller: whatever it left in the upper halves, here not zero. */
    private static final long[] DIRTY = {0xdead0000_ffffff9cL, 0x1_0804a000L, 0xffffffff_00002190L, 0x103L, 0, -1L};

    private static NotificationView view(int auditArch, int nr, long[] registers) {
        return new NotificationView(7, 4711, SyscallTable.forCall(auditArch, nr), nr, 0x8049000L, registers, "ctr");
    }

    @Test
    public void anI386CallIsX86UnderItsOwnNumberWithTheLowHalvesOfItsRegisters() {
        NotificationView call = view(SyscallTable.AUDIT_ARCH_I386, 297, DIRTY);
        assertEquals("x86", call.arch());
        assertEquals(297, call.nr());
        assertEquals("mknodat", call.syscall());
        assertEquals(-100, (int) call.arg(0)); // AT_FDCWD
        assertEquals(0x0804a000L, call.arg(1));
        assertEquals(0x2190L, call.arg(2));
        assertArrayEquals(new long[] {0xffffff9cL, 0x0804a000L, 0x2190L, 0x103L, 0, 0xffffffffL}, call.args());
        assertEquals("mknodat(0xffffff9c, 0x804a000, 0x2190, 0x103, 0x0, 0xffffffff)", call.toString());
    }

    @Test
    public void anArmCallIsArmWithTheLowHalvesOfItsRegisters() {
        NotificationView call = view(SyscallTable.AUDIT_ARCH_ARM, 122, DIRTY);
        assertEquals("arm", call.arch());
        assertEquals("uname", call.syscall());
        assertEquals(0xffffff9cL, call.arg(0));
    }

    @Test
    public void anX32CallIsX32WithItsRegistersWhole() {
        NotificationView call = view(SyscallTable.AUDIT_ARCH_X86_64, 259 | SyscallTable.X32_SYSCALL_BIT, DIRTY);
        assertEquals("x32", call.arch());
        assertEquals(259 | SyscallTable.X32_SYSCALL_BIT, call.nr());
        assertEquals("mknodat", call.syscall());
        assertArrayEquals(DIRTY, call.args());
    }

    @Test
    public void a64BitCallKeepsItsNamesAndRegisters() {
        NotificationView x86_64 = view(SyscallTable.AUDIT_ARCH_X86_64, 63, DIRTY);
        assertEquals("x86_64", x86_64.arch());
        assertEquals("uname", x86_64.syscall());
        assertArrayEquals(DIRTY, x86_64.args());
        NotificationView aarch64 = view(SyscallTable.AUDIT_ARCH_AARCH64, 160, DIRTY);
        assertEquals("aarch64", aarch64.arch());
        assertEquals("uname", aarch64.syscall());
        assertEquals(DIRTY[1], aarch64.arg(1));
    }

    @Test
    public void theRegistersPassedInAreNotChanged() {
        long[] registers = DIRTY.clone();
        view(SyscallTable.AUDIT_ARCH_I386, 122, registers);
        assertArrayEquals(DIRTY, registers);
    }
}
