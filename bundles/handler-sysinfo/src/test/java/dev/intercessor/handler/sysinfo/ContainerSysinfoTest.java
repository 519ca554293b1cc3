package dev.intercessor.handler.sysinfo;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;

import org.junit.Test;

public class ContainerSysinfoTest {

    private static final long MIB = 1024L * 1024;
    private static final long GIB = 1024 * MIB;
    private static final long UNLIMITED = CgroupMemory.UNLIMITED;

    /** A 16 GiB host with 4 GiB of swap (3 GiB free), up for 10000.5 s. */
    private static HostFigures host() {
        return new HostFigures(16 * GIB, 9 * GIB, 512 * MIB, 300 * MIB, 4 * GIB, 3 * GIB,
                new long[] {32768, 65536, 98304}, 10000.5);
    }

    private static CgroupMemory memory(long limit, long usage, long swapLimit, long swapUsage, long shmem) {
        return new CgroupMemory(limit, usage, swapLimit, swapUsage, shmem);
    }

    @Test
    public void totalIsTheLimitBelowHostMemory() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 300 * MIB, -1, 0, 0), 10, 0, 0);
        assertEquals(GIB, s.totalram());
        assertEquals(GIB - 300 * MIB, s.freeram());
    }

    @Test
    public void totalIsHostMemoryWhenUnlimited() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(UNLIMITED, 2 * GIB, -1, 0, 0), 10, 0, 0);
        assertEquals(16 * GIB, s.totalram());
        assertEquals(14 * GIB, s.freeram());
    }

    @Test
    public void totalIsHostMemoryWhenLimitAboveIt() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(64 * GIB, GIB, -1, 0, 0), 10, 0, 0);
        assertEquals(16 * GIB, s.totalram());
        assertEquals(15 * GIB, s.freeram());
    }

    @Test
    public void freeNeverNegativeWhenUsageAboveLimit() {
        // The LXD underflow: usage (with page cache) may exceed a limit lowered after the fact.
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 3 * GIB, -1, 0, 0), 10, 0, 0);
        assertEquals(GIB, s.totalram());
        assertEquals(0, s.freeram());
    }

    @Test
    public void freeZeroWhenUsageEqualsLimit() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, GIB, -1, 0, 0), 10, 0, 0);
        assertEquals(0, s.freeram());
    }

    @Test
    public void freeNeverNegativeWhenUnlimitedUsageAboveHostTotal() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(UNLIMITED, 20 * GIB, -1, 0, 0), 10, 0, 0);
        assertEquals(0, s.freeram());
    }

    @Test
    public void sharedIsTheCgroupsShmem() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 64 * MIB), 10, 0, 0);
        assertEquals(64 * MIB, s.sharedram());
    }

    @Test
    public void sharedCappedAtTotal() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 2 * GIB), 10, 0, 0);
        assertEquals(GIB, s.sharedram());
    }

    @Test
    public void swapFromHostWhenNotAccounted() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 10, 0, 0);
        assertEquals(4 * GIB, s.totalswap());
        assertEquals(3 * GIB, s.freeswap());
    }

    @Test
    public void swapFromCgroupWhenAccounted() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, 512 * MIB, 100 * MIB, 0), 10, 0, 0);
        assertEquals(512 * MIB, s.totalswap());
        assertEquals(412 * MIB, s.freeswap());
    }

    @Test
    public void cgroupSwapCappedByHostSwap() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, 8 * GIB, GIB, 0), 10, 0, 0);
        assertEquals(4 * GIB, s.totalswap());
        assertEquals(3 * GIB, s.freeswap());
    }

    @Test
    public void unlimitedCgroupSwapIsHostSwap() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, UNLIMITED, 0, 0), 10, 0, 0);
        assertEquals(4 * GIB, s.totalswap());
        assertEquals(4 * GIB, s.freeswap());
    }

    @Test
    public void zeroCgroupSwap() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, 0, 0, 0), 10, 0, 0);
        assertEquals(0, s.totalswap());
        assertEquals(0, s.freeswap());
    }

    @Test
    public void freeSwapNeverNegative() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, 256 * MIB, 300 * MIB, 0), 10, 0, 0);
        assertEquals(256 * MIB, s.totalswap());
        assertEquals(0, s.freeswap());
    }

    @Test
    public void hostWithoutSwap() {
        HostFigures noSwap = new HostFigures(16 * GIB, 9 * GIB, 0, 0, 0, 0, new long[3], 100);
        SysinfoStruct s = ContainerSysinfo.compute(noSwap, memory(GIB, 0, UNLIMITED, 0, 0), 10, 0, 0);
        assertEquals(0, s.totalswap());
        assertEquals(0, s.freeswap());
    }

    @Test
    public void uptimeSinceInitStarted() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 10, 2000.25, 0);
        assertEquals(8001, s.uptime()); // 10000.5 - 2000.25 = 8000.25, rounded up as the kernel's
    }

    @Test
    public void uptimeAddsTheBootTimeOffsetOfTheCallersTimeNamespace() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 10, 2000.5, 86_400_000_000_000L);
        assertEquals(8000 + 86400, s.uptime());
    }

    @Test
    public void aNegativeBootTimeOffsetNeverMakesTheUptimeNegative() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 10, 0, -20_000_000_000_000L);
        assertEquals(0, s.uptime());
    }

    @Test
    public void uptimeNeverNegative() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 10, 20000, 0);
        assertEquals(0, s.uptime());
    }

    @Test
    public void procsAreTheTasks() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 123, 0, 0);
        assertEquals(123, s.procs());
    }

    @Test
    public void procsCappedAt65535() {
        assertEquals(65535, ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 65535, 0, 0).procs(), 0);
        assertEquals(65535, ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 100000, 0, 0).procs(), 0);
        assertEquals(65535,
                ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), Long.MAX_VALUE, 0, 0).procs(), 0);
    }

    @Test
    public void loadsAreTheHostsButACopy() {
        HostFigures h = host();
        SysinfoStruct s = ContainerSysinfo.compute(h, memory(GIB, 0, -1, 0, 0), 10, 0, 0);
        assertArrayEquals(new long[] {32768, 65536, 98304}, s.loads());
        assertNotSame(h.loads(), s.loads());
        s.loads()[0] = 0;
        assertEquals(32768, h.loads()[0]);
    }

    @Test
    public void memUnitOneAndNoBuffers() {
        SysinfoStruct s = ContainerSysinfo.compute(host(), memory(GIB, 0, -1, 0, 0), 10, 0, 0);
        assertEquals(1, s.memUnit());
        assertEquals(0, s.bufferram());
    }
}
