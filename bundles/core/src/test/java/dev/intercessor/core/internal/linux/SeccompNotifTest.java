package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import org.junit.Test;

import jnr.ffi.Pointer;

/** The decoding of struct seccomp_notif, against the layout of include/uapi/linux/seccomp.h. */
public class SeccompNotifTest {

    @Test
    public void decodesEveryFieldFromTheKernelsOffsets() {
        Pointer p = Linux.allocate(80);
        p.putLong(0, 0x1122334455667788L); // id
        p.putInt(8, 4711); // pid
        p.putInt(12, 0x7fffffff); // flags: not read
        p.putInt(16, 262); // data.nr
        p.putInt(20, 0xC000003E); // data.arch: AUDIT_ARCH_X86_64
        p.putLong(24, 0x401000L); // data.instruction_pointer
        for (int i = 0; i < 6; i++) {
            p.putLong(32 + 8L * i, 100 + i); // data.args[i]
        }
        SeccompNotif n = SeccompNotif.decode(p);
        assertEquals(0x1122334455667788L, n.id());
        assertEquals(4711, n.pid());
        assertEquals(262, n.nr());
        assertEquals(0xC000003E, n.arch());
        assertEquals(0x401000L, n.ip());
        assertArrayEquals(new long[] {100, 101, 102, 103, 104, 105}, n.args());
        for (int i = 0; i < 6; i++) {
            assertEquals(100 + i, n.arg(i));
        }
    }

    @Test
    public void theKernelsStructIsNoLargerThanTheBufferAskedFor() {
        // SECCOMP_GET_NOTIF_SIZES on this kernel: the buffers are at least what it asks for.
        assertEquals(true, Seccomp.NOTIF_SIZE >= 80);
        assertEquals(true, Seccomp.RESP_SIZE >= 24);
    }
}
