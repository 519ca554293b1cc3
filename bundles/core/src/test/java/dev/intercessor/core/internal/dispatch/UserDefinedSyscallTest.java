package dev.intercessor.core.internal.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class UserDefinedSyscallTest {

    private static String refusal(String entry) {
        return assertThrows(IllegalArgumentException.class, () -> UserDefinedSyscall.parse(entry)).getMessage();
    }

    @Test
    public void x86_64NumberNoTableNamesIsAccepted() {
        UserDefinedSyscall u = UserDefinedSyscall.parse("x86_64:1000");
        assertSame(SyscallTable.X86_64, u.arch());
        assertEquals(1000, u.nr());
        assertEquals("x86_64:1000", u.toString());
    }

    @Test
    public void largestNumberBelowTwoToTheThirtyFirstIsAcceptedOnAarch64() {
        assertEquals(Integer.MAX_VALUE, UserDefinedSyscall.parse("aarch64:2147483647").nr());
    }

    @Test
    public void numberFromTwoToTheThirtyFirstIsRefused() {
        assertTrue(refusal("aarch64:2147483648").contains("below 2^31"));
        assertTrue(refusal("aarch64:99999999999").contains("not a decimal number"));
    }

    @Test
    public void unknownArchitectureIsRefusedNamingTheKnownOnes() {
        String why = refusal("amd64:1000");
        assertTrue(why, why.startsWith("amd64:1000: no architecture amd64 (known: "));
        assertTrue(why, why.contains("x86_64"));
    }

    @Test
    public void negativeHexOrEmptyNumbersAreRefused() {
        assertTrue(refusal("x86_64:-1").contains("not a decimal number"));
        assertTrue(refusal("x86_64:0x3e8").contains("not a decimal number"));
        assertTrue(refusal("x86_64:").contains("not a decimal number"));
        assertTrue(refusal("x86_64:1000:2").contains("not a decimal number"));
    }

    @Test
    public void x86_64NumberWithTheX32BitIsRefusedAsAnX32Call() {
        String why = refusal("x86_64:" + (0x40000000 | 1000));
        assertTrue(why, why.contains("__X32_SYSCALL_BIT") && why.contains("x32:"));
    }

    @Test
    public void x32NumberMustCarryTheX32Bit() {
        assertTrue(refusal("x32:1000").contains("x32:" + (0x40000000 | 1000)));
        assertEquals(0x40000000 | 1000, UserDefinedSyscall.parse("x32:" + (0x40000000 | 1000)).nr());
    }

    @Test
    public void numberTheTableNamesIsRefusedNotNormalised() {
        String why = refusal("x86_64:1");
        assertEquals("x86_64:1 is write on x86_64: serve it by that name", why);
    }

    @Test
    public void numberBelowAnAbisBaseIsRefused() {
        SyscallTable mips = SyscallTable.named("mips");
        if (mips != null && mips.lowest() > 0) {
            assertTrue(refusal("mips:1").contains("numbers start at " + mips.lowest()));
        }
    }

    @Test
    public void callNameOfAnUnnamedNumberIsArchColonNumber() {
        assertEquals("x86_64:1000", SyscallTable.X86_64.callName(1000));
        assertEquals("mknodat", SyscallTable.X86_64.callName(259));
    }
}
