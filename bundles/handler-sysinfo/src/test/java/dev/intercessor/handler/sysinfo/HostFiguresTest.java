package dev.intercessor.handler.sysinfo;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class HostFiguresTest {

    /** {@code /proc/meminfo} of a 6.x x86_64 host. */
    private static final String MEMINFO = String.join("\n",
            "MemTotal:       16303428 kB",
            "MemFree:         8123456 kB",
            "MemAvailable:   12345678 kB",
            "Buffers:          345612 kB",
            "Cached:          3456789 kB",
            "SwapCached:         1024 kB",
            "Active:          4567890 kB",
            "Inactive:        2345678 kB",
            "Active(anon):    2345678 kB",
            "Inactive(anon):   123456 kB",
            "Active(file):    2222212 kB",
            "Inactive(file):  2222222 kB",
            "Unevictable:       65432 kB",
            "Mlocked:              32 kB",
            "SwapTotal:       4194300 kB",
            "SwapFree:        4000000 kB",
            "Zswap:                 0 kB",
            "Zswapped:              0 kB",
            "Dirty:               456 kB",
            "Writeback:             0 kB",
            "AnonPages:       2400000 kB",
            "Mapped:           700000 kB",
            "Shmem:            524288 kB",
            "KReclaimable:     200000 kB",
            "Slab:             400000 kB",
            "SReclaimable:     200000 kB",
            "SUnreclaim:       200000 kB",
            "KernelStack:       16000 kB",
            "PageTables:        40000 kB",
            "CommitLimit:    12345678 kB",
            "Committed_AS:    9876543 kB",
            "VmallocTotal:   34359738367 kB",
            "VmallocUsed:       80000 kB",
            "VmallocChunk:          0 kB",
            "Percpu:            12000 kB",
            "HardwareCorrupted:     0 kB",
            "AnonHugePages:         0 kB",
            "ShmemHugePages:     2048 kB",
            "ShmemPmdMapped:     1024 kB",
            "FileHugePages:         0 kB",
            "FilePmdMapped:         0 kB",
            "HugePages_Total:       0",
            "HugePages_Free:        0",
            "HugePages_Rsvd:        0",
            "HugePages_Surp:        0",
            "Hugepagesize:       2048 kB",
            "Hugetlb:               0 kB",
            "DirectMap4k:      500000 kB",
            "DirectMap2M:    12000000 kB",
            "DirectMap1G:     4194304 kB",
            "");

    private static final String LOADAVG = "0.50 1.00 2.25 3/1234 56789\n";
    private static final String UPTIME = "12345.67 98765.43\n";

    @Test
    public void memoryInBytes() {
        HostFigures h = HostFigures.parse(MEMINFO, LOADAVG, UPTIME);
        assertEquals(16303428L * 1024, h.memTotal());
        assertEquals(8123456L * 1024, h.memFree());
        assertEquals(524288L * 1024, h.shmem()); // not ShmemHugePages / ShmemPmdMapped
        assertEquals(345612L * 1024, h.buffers());
        assertEquals(4194300L * 1024, h.swapTotal());
        assertEquals(4000000L * 1024, h.swapFree());
    }

    @Test
    public void loadsFixedPoint16Bits() {
        HostFigures h = HostFigures.parse(MEMINFO, LOADAVG, UPTIME);
        assertArrayEquals(new long[] {32768, 65536, 147456}, h.loads());
    }

    @Test
    public void loadsRoundToNearest() {
        HostFigures h = HostFigures.parse(MEMINFO, "0.01 0.00 12.34 1/100 42", UPTIME);
        assertArrayEquals(new long[] {Math.round(0.01 * 65536), 0, Math.round(12.34 * 65536)}, h.loads());
        assertEquals(655, h.loads()[0]);
    }

    @Test
    public void uptimeIsTheFirstField() {
        HostFigures h = HostFigures.parse(MEMINFO, LOADAVG, UPTIME);
        assertEquals(12345.67, h.uptimeSeconds(), 1e-9);
    }

    @Test
    public void missingKeysAreZero() {
        HostFigures h = HostFigures.parse("MemTotal:       1024 kB\nMemFree:         512 kB\n", LOADAVG, UPTIME);
        assertEquals(1024L * 1024, h.memTotal());
        assertEquals(512L * 1024, h.memFree());
        assertEquals(0, h.shmem());
        assertEquals(0, h.buffers());
        assertEquals(0, h.swapTotal());
        assertEquals(0, h.swapFree());
    }

    @Test
    public void emptyMeminfoIsAllZero() {
        HostFigures h = HostFigures.parse("", LOADAVG, UPTIME);
        assertEquals(0, h.memTotal());
        assertEquals(0, h.memFree());
    }

    @Test
    public void hostWithoutSwap() {
        String meminfo = MEMINFO.replace("SwapTotal:       4194300 kB", "SwapTotal:             0 kB")
                .replace("SwapFree:        4000000 kB", "SwapFree:              0 kB");
        HostFigures h = HostFigures.parse(meminfo, LOADAVG, UPTIME);
        assertEquals(0, h.swapTotal());
        assertEquals(0, h.swapFree());
    }
}
