package dev.intercessor.core.internal.lxc;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.Test;

/** {@link ProxyMessage}: LXC's proxy message as lxcseccomp.h lays it out, and the answer LXC reads back. */
public class ProxyMessageTest {

    /** A message as LXC sends it: header, an 80-byte notification with id 7 and pid 1234, a 24-byte response, the cookie. */
    private static byte[] message(String cookie, int notifSize, int respSize) {
        byte[] c = cookie.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(ProxyMessage.HEADER + notifSize + respSize + c.length).order(ByteOrder.nativeOrder());
        b.putLong(0).putInt(4321).putInt(1234).putShort((short) notifSize).putShort((short) respSize).putShort((short) 64)
                .putShort((short) 0).putLong(c.length);
        b.putLong(7).putInt(1234).putInt(0).putInt(63).putInt(0xC000003E); // id, pid, flags, nr (sysinfo), arch
        b.position(ProxyMessage.HEADER + notifSize);
        b.putLong(7); // LXC fills in the id
        b.position(ProxyMessage.HEADER + notifSize + respSize);
        b.put(c);
        return b.array();
    }

    @Test
    public void aMessageIsReadAsLxcLaysItOut() {
        byte[] m = message("sysinfo.enabled=true mknod.enabled=false", 80, 24);
        ProxyMessage p = ProxyMessage.parse(m, m.length);
        assertEquals(4321, p.monitorPid());
        assertEquals(1234, p.initPid());
        assertEquals(7, p.id());
        assertEquals(80, p.notif().length);
        assertEquals("sysinfo.enabled=true\nmknod.enabled=false", p.cookieLines());
        assertEquals("semicolons separate too", "a=1\nb=2", ProxyMessage.parse(message("a=1;b=2", 80, 24), 143).cookieLines());
    }

    @Test
    public void theAnswerIsHeaderNotificationAndTheFilledInResponse() {
        byte[] m = message("", 80, 24);
        byte[] reply = ProxyMessage.parse(m, m.length).reply(-1, -1, 0);
        assertEquals(ProxyMessage.HEADER + 80 + 24, reply.length);
        assertArrayEquals(Arrays.copyOf(m, ProxyMessage.HEADER + 80), Arrays.copyOf(reply, ProxyMessage.HEADER + 80));
        ByteBuffer resp = ByteBuffer.wrap(reply, ProxyMessage.HEADER + 80, 24).slice().order(ByteOrder.nativeOrder());
        assertEquals(7, resp.getLong(0));
        assertEquals(-1, resp.getLong(8));
        assertEquals(-1, resp.getInt(16));
        assertEquals(0, resp.getInt(20));
    }

    @Test
    public void largerKernelStructsAreKeptWhole() {
        byte[] m = message("", 96, 32);
        ProxyMessage p = ProxyMessage.parse(m, m.length);
        assertEquals(96, p.notif().length);
        assertEquals(ProxyMessage.HEADER + 96 + 32, p.reply(0, 0, 1).length);
    }

    @Test
    public void aCookieCutShortIsKeptAsFarAsItCame() {
        byte[] m = message("sysinfo.enabled=true", 80, 24);
        assertEquals("sysinfo.en", ProxyMessage.parse(m, m.length - 10).cookie());
    }

    @Test
    public void whatIsNotAMessageIsRefusedWithItsReason() {
        byte[] good = message("x=1", 80, 24);
        assertThrows(IllegalArgumentException.class, () -> ProxyMessage.parse(good, 20));
        assertThrows("shorter than its structs", IllegalArgumentException.class,
                () -> ProxyMessage.parse(good, ProxyMessage.HEADER + 80));
        byte[] reserved = good.clone();
        reserved[0] = 1;
        assertThrows(IllegalArgumentException.class, () -> ProxyMessage.parse(reserved, reserved.length));
        for (int[] sizes : new int[][] {{79, 24}, {80, 23}, {5000, 24}, {80, 0xFFFF}}) {
            byte[] m = message("", 80, 24);
            ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putShort(16, (short) sizes[0]).putShort(18, (short) sizes[1]);
            assertThrows(Arrays.toString(sizes), IllegalArgumentException.class, () -> ProxyMessage.parse(m, m.length));
        }
        byte[] cookie = good.clone();
        ByteBuffer.wrap(cookie).order(ByteOrder.nativeOrder()).putLong(24, -1);
        assertThrows(IllegalArgumentException.class, () -> ProxyMessage.parse(cookie, cookie.length));
    }
}
