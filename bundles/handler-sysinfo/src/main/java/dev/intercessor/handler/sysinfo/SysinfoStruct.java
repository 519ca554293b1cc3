package dev.intercessor.handler.sysinfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct sysinfo} as the kernel fills it on the 64-bit architectures (x86_64, aarch64):
 * longs for the times and sizes, {@code unsigned short procs}, {@code unsigned int mem_unit};
 * 112 bytes in all.
 *
 * @param uptime    seconds since boot (here: since the container's init started)
 * @param loads     1, 5 and 15 minute load averages, fixed point with 16 fractional bits
 * @param totalram  in units of {@code memUnit} bytes, as every size below
 * @param freeram   free memory
 * @param sharedram shared memory
 * @param bufferram memory used by buffers
 * @param totalswap swap space
 * @param freeswap  free swap
 * @param procs     number of tasks (threads), at most 65535
 * @param memUnit   size of the unit of the memory fields, in bytes
 */
record SysinfoStruct(long uptime, long[] loads, long totalram, long freeram, long sharedram,
        long bufferram, long totalswap, long freeswap, int procs, int memUnit) {

    static final int SIZE = 112;

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
        b.putLong(0, uptime);
        for (int i = 0; i < 3; i++) {
            b.putLong(8 + 8 * i, loads[i]);
        }
        b.putLong(32, totalram);
        b.putLong(40, freeram);
        b.putLong(48, sharedram);
        b.putLong(56, bufferram);
        b.putLong(64, totalswap);
        b.putLong(72, freeswap);
        b.putShort(80, (short) Math.min(procs, 0xffff));
        // totalhigh (88) and freehigh (96) stay 0: no high memory on 64-bit.
        b.putInt(104, memUnit);
        return b.array();
    }
}
