package dev.intercessor.handler.sysinfo;

/**
 * {@code struct sysinfo} for a container, computed the way LXCFS computes {@code /proc/meminfo}
 * and {@code /proc/uptime}: total memory is the cgroup's limit unless the host has less, free is
 * what the cgroup has not used (never below zero), swap is the cgroup's swap allowance unless the
 * host has less; loads are the host's.
 */
final class ContainerSysinfo {

    private ContainerSysinfo() {
    }

    /** @return the container's uptime in whole seconds, rounded up as the kernel's: tv_sec + (tv_nsec ? 1 : 0) */
    static long uptime(double hostUptimeSeconds, double initStartSeconds, long bootOffsetNanos) {
        return (long) Math.ceil(Math.max(0, hostUptimeSeconds - initStartSeconds + bootOffsetNanos / 1e9));
    }

    /**
     * @param host          the host's figures
     * @param memory        the container's memory cgroup
     * @param tasks         tasks in the container's cgroup
     * @param initStartSeconds when the container's init started, in seconds since boot
     * @param bootOffsetNanos  the boot-time offset of the caller's time namespace, which the
     *                         kernel adds to the uptime ({@code timens_add_boottime})
     */
    static SysinfoStruct compute(HostFigures host, CgroupMemory memory, long tasks, double initStartSeconds,
            long bootOffsetNanos) {
        long total = Math.min(memory.limit(), host.memTotal());
        long free = total - Math.min(memory.usage(), total);
        long shared = Math.min(memory.shmem(), total);
        long swapTotal;
        long swapFree;
        if (memory.swapLimit() < 0) {
            // Swap not accounted for this cgroup: the host's is all there is to tell.
            swapTotal = host.swapTotal();
            swapFree = host.swapFree();
        } else {
            swapTotal = Math.min(memory.swapLimit(), host.swapTotal());
            swapFree = swapTotal - Math.min(memory.swapUsage(), swapTotal);
        }
        long uptime = uptime(host.uptimeSeconds(), initStartSeconds, bootOffsetNanos);
        int procs = (int) Math.max(0, Math.min(tasks, 0xffff));
        return new SysinfoStruct(uptime, host.loads().clone(), total, free, shared, 0, swapTotal, swapFree,
                procs, 1);
    }
}
