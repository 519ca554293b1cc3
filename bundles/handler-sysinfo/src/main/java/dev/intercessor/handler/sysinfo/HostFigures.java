package dev.intercessor.handler.sysinfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host's own figures, as the kernel would report them: memory from {@code /proc/meminfo},
 * loads from {@code /proc/loadavg}, uptime from {@code /proc/uptime}.
 *
 * @param memTotal  bytes
 * @param memFree   bytes
 * @param shmem     bytes
 * @param buffers   bytes
 * @param swapTotal bytes
 * @param swapFree  bytes
 * @param loads     fixed point, 16 fractional bits
 * @param uptimeSeconds seconds since boot, with fraction
 */
record HostFigures(long memTotal, long memFree, long shmem, long buffers, long swapTotal,
        long swapFree, long[] loads, double uptimeSeconds) {

    static HostFigures read(Path proc) throws IOException {
        return parse(Files.readString(proc.resolve("meminfo")), Files.readString(proc.resolve("loadavg")),
                Files.readString(proc.resolve("uptime")));
    }

    static HostFigures parse(String meminfo, String loadavg, String uptime) {
        long total = kib(meminfo, "MemTotal");
        long free = kib(meminfo, "MemFree");
        long shmem = kib(meminfo, "Shmem");
        long buffers = kib(meminfo, "Buffers");
        long swapTotal = kib(meminfo, "SwapTotal");
        long swapFree = kib(meminfo, "SwapFree");
        String[] l = loadavg.trim().split("\\s+");
        long[] loads = new long[3];
        for (int i = 0; i < 3; i++) {
            loads[i] = Math.round(Double.parseDouble(l[i]) * 65536);
        }
        double up = Double.parseDouble(uptime.trim().split("\\s+")[0]);
        return new HostFigures(total, free, shmem, buffers, swapTotal, swapFree, loads, up);
    }

    /** @return the value of {@code key:  N kB} in bytes, 0 if absent */
    private static long kib(String meminfo, String key) {
        for (String line : meminfo.split("\n")) {
            if (line.startsWith(key + ":")) {
                String[] f = line.substring(key.length() + 1).trim().split("\\s+");
                return Long.parseLong(f[0]) * 1024;
            }
        }
        return 0;
    }
}
