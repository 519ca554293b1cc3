package dev.intercessor.core.internal.record;

import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.Test;

import dev.intercessor.core.internal.linux.ProcTarget.MemoryRead;

public class CallFormatTest {

    private static MemoryRead cString(long address, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new MemoryRead(address, b, b.length, true);
    }

    @Test
    public void mknodatAsStraceShowsIt() {
        long[] args = {-100 & 0xffffffffL, 0x7000, 020666, (1 << 8) | 3, 0, 0};
        assertEquals("AT_FDCWD, \"/dev/null\", S_IFCHR|0666, makedev(1, 3)",
                CallFormat.arguments("mknodat", args, a -> a == 0x7000 ? cString(a, "/dev/null") : null));
    }

    @Test
    public void unreadPointersShowTheirAddress() {
        long[] args = {0x1234, 0100644, 0, 0, 0, 0};
        assertEquals("0x1234, S_IFREG|0644, makedev(0, 0)", CallFormat.arguments("mknod", args, null));
        assertEquals("NULL", CallFormat.arguments("sysinfo", new long[6], a -> null));
    }

    @Test
    public void modeBitsBeyondTheTypeAreShown() {
        assertEquals("0x0, S_IFCHR|0666|0x10000, makedev(0, 0)".replace("0x0", "NULL"),
                CallFormat.arguments("mknod", new long[] {0, 0x10000 | 020666, 0, 0, 0, 0}, null));
    }

    @Test
    public void largeDeviceNumbers() {
        // makedev(259, 70000): major 0x103, minor 0x11170
        long dev = (0x103L << 8) | (0x70L) | ((70000L & ~0xffL) << 12);
        assertEquals(259, CallFormat.major(dev));
        assertEquals(70000, CallFormat.minor(dev));
    }

    @Test
    public void buffersAreQuotedEscapedAndCut() {
        byte[] value = {'y', 0, '"', '\n', (byte) 0xff};
        long[] args = {0x10, 0x20, 0x30, 5, 1, 0};
        String s = CallFormat.arguments("setxattr", args, a -> a == 0x10 ? cString(a, "/d")
                : a == 0x20 ? cString(a, "trusted.overlay.opaque")
                : a == 0x30 ? new MemoryRead(a, value, 300, false) : null);
        assertEquals("\"/d\", \"trusted.overlay.opaque\", \"y\\x00\\\"\\n\\xff\"..., 5, XATTR_CREATE", s);
    }

    @Test
    public void aBufferIsNotShownWhereAStringWasExpected() {
        long[] args = {0x10, 0, 0, 0, 0, 0};
        assertEquals("0x10, 0000, makedev(0, 0)",
                CallFormat.arguments("mknod", args, a -> new MemoryRead(a, new byte[] {'x'}, 1, false)));
    }

    @Test
    public void unknownSyscallsShowSixHexArguments() {
        assertEquals("0x1, 0x2, 0x3, 0x4, 0x5, 0xffffffffffffffff",
                CallFormat.arguments("syscall_999", new long[] {1, 2, 3, 4, 5, -1}, null));
        assertEquals("", CallFormat.arguments("getppid", new long[6], null));
    }

    @Test
    public void schedPolicies() {
        assertEquals("0, SCHED_FIFO|SCHED_RESET_ON_FORK, 0x10",
                CallFormat.arguments("sched_setscheduler", new long[] {0, 0x40000001, 0x10, 0, 0, 0}, null));
    }

    @Test
    public void bpfCommandsByName() {
        assertEquals("BPF_PROG_LOAD, 0x1000, 144", CallFormat.arguments("bpf", new long[] {5, 0x1000, 144, 0, 0, 0}, null));
        assertEquals("99, 0x1000, 8", CallFormat.arguments("bpf", new long[] {99, 0x1000, 8, 0, 0, 0}, null));
    }
}
