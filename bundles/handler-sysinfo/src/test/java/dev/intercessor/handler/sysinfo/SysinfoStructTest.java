package dev.intercessor.handler.sysinfo;

import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.Test;

public class SysinfoStructTest {

    private static SysinfoStruct sample(int procs) {
        return new SysinfoStruct(8000, new long[] {32768, 65536, 147456}, 1L << 30, 700L << 20,
                64L << 20, 0, 4L << 30, 3L << 30, procs, 1);
    }

    private static ByteBuffer encoded(SysinfoStruct s) {
        byte[] bytes = s.encode();
        assertEquals(112, bytes.length);
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    @Test
    public void sizeIs112() {
        assertEquals(112, SysinfoStruct.SIZE);
        assertEquals(112, sample(1).encode().length);
    }

    @Test
    public void layout() {
        ByteBuffer b = encoded(sample(321));
        assertEquals(8000, b.getLong(0));
        assertEquals(32768, b.getLong(8));
        assertEquals(65536, b.getLong(16));
        assertEquals(147456, b.getLong(24));
        assertEquals(1L << 30, b.getLong(32));
        assertEquals(700L << 20, b.getLong(40));
        assertEquals(64L << 20, b.getLong(48));
        assertEquals(0, b.getLong(56));
        assertEquals(4L << 30, b.getLong(64));
        assertEquals(3L << 30, b.getLong(72));
        assertEquals(321, Short.toUnsignedInt(b.getShort(80)));
        assertEquals(0, b.getShort(82)); // pad
        assertEquals(0, b.getInt(84)); // alignment of totalhigh
        assertEquals(0, b.getLong(88)); // totalhigh
        assertEquals(0, b.getLong(96)); // freehigh
        assertEquals(1, b.getInt(104));
        assertEquals(0, b.getInt(108)); // _f padding
    }

    @Test
    public void bufferramAt56() {
        SysinfoStruct s = new SysinfoStruct(0, new long[3], 0, 0, 0, 12345, 0, 0, 0, 1);
        assertEquals(12345, encoded(s).getLong(56));
    }

    @Test
    public void littleEndianOnX86_64() {
        org.junit.Assume.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
        byte[] bytes = sample(0x0102).encode();
        assertEquals(0x02, bytes[80]);
        assertEquals(0x01, bytes[81]);
        // uptime 8000 = 0x1F40
        assertEquals(0x40, bytes[0] & 0xff);
        assertEquals(0x1F, bytes[1] & 0xff);
        assertEquals(0, bytes[2]);
        // mem_unit 1
        assertEquals(1, bytes[104]);
        assertEquals(0, bytes[105]);
    }

    @Test
    public void procsUpTo65535() {
        assertEquals(65535, Short.toUnsignedInt(encoded(sample(65535)).getShort(80)));
        assertEquals(32768, Short.toUnsignedInt(encoded(sample(32768)).getShort(80)));
    }

    @Test
    public void procsAbove65535Clamped() {
        ByteBuffer b = encoded(sample(70000));
        assertEquals(65535, Short.toUnsignedInt(b.getShort(80)));
        assertEquals(0, b.getShort(82)); // no spill into the padding
        b = encoded(sample(Integer.MAX_VALUE));
        assertEquals(65535, Short.toUnsignedInt(b.getShort(80)));
    }

    @Test
    public void memUnitOtherThanOne() {
        SysinfoStruct s = new SysinfoStruct(0, new long[3], 4096, 0, 0, 0, 0, 0, 0, 4096);
        assertEquals(4096, encoded(s).getInt(104));
    }
}
