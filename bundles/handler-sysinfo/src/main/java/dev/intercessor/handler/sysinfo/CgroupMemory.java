package dev.intercessor.handler.sysinfo;

import java.io.IOException;
import java.nio.file.Files;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.intercessor.api.CgroupDirectory;

/**
 * The memory figures of one cgroup, from its cgroup v1 ({@code memory.limit_in_bytes} …) or v2
 * ({@code memory.max} …) files. A limit is the lowest set on the cgroup or any ancestor below
 * {@code hierarchyRoot}; {@link #UNLIMITED} where none is set.
 *
 * @param limit      memory limit in bytes
 * @param usage      memory in use in bytes
 * @param swapLimit  swap the cgroup may use, in bytes, {@link #UNLIMITED}, or -1 if not accounted
 * @param swapUsage  swap in use in bytes (0 if not accounted)
 * @param shmem      shared memory (tmpfs, shm) in bytes
 */
record CgroupMemory(long limit, long usage, long swapLimit, long swapUsage, long shmem) {

    static final long UNLIMITED = Long.MAX_VALUE;

    /**
     * cgroup v1 prints "no limit" as the largest page-aligned long, which depends on the page size
     * (4 KiB: 0x7FFFFFFFFFFFF000; 64 KiB on some aarch64 kernels: 0x7FFFFFFFFFFF0000).
     */
    private static final long V1_NO_LIMIT = Long.MAX_VALUE - 0xFFFF;

    static CgroupMemory read(CgroupDirectory cgroup) throws IOException {
        Path root = cgroup.hierarchy();
        Path dir = cgroup.path();
        CgroupMemory limits;
        if (cgroup.version() == 1) {
            long limit = lowest(dir, root, "memory.limit_in_bytes");
            long swapLimit = -1;
            if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes"))) {
                // memsw counts memory + swap: the swap part is the difference.
                long memsw = lowest(dir, root, "memory.memsw.limit_in_bytes");
                swapLimit = memsw == UNLIMITED ? UNLIMITED : Math.max(0, memsw - Math.min(memsw, limit));
            }
            limits = new CgroupMemory(limit, 0, swapLimit, 0, stat(dir.resolve("memory.stat"), "total_shmem"));
        } else {
            long swapLimit = Files.exists(dir.resolve("memory.swap.max"))
                    ? lowest(dir, root, "memory.swap.max") : -1;
            limits = new CgroupMemory(lowest(dir, root, "memory.max"), 0, swapLimit, 0,
                    stat(dir.resolve("memory.stat"), "shmem"));
        }
        return limits.withCurrentUsage(cgroup);
    }

    /**
     * Reads only what changes from call to call (memory and swap in use), keeping the limits and
     * shared memory of this record ({@link #read} reads those, then this).
     */
    CgroupMemory withCurrentUsage(CgroupDirectory cgroup) throws IOException {
        Path dir = cgroup.path();
        if (cgroup.version() == 1) {
            long now = number(dir.resolve("memory.usage_in_bytes"));
            if (swapLimit < 0) {
                return new CgroupMemory(limit, now, swapLimit, 0, shmem);
            }
            long memsw = number(dir.resolve("memory.memsw.usage_in_bytes"));
            return new CgroupMemory(limit, now, swapLimit, Math.max(0, memsw - now), shmem);
        }
        long now = number(dir.resolve("memory.current"));
        long swap = swapLimit < 0 ? 0 : number(dir.resolve("memory.swap.current"));
        return new CgroupMemory(limit, now, swapLimit, swap, shmem);
    }

    /** The lowest value of {@code file} on {@code dir} and its ancestors up to the root. */
    private static long lowest(Path dir, Path root, String file) throws IOException {
        long lowest = UNLIMITED;
        for (Path d = dir; d != null && d.startsWith(root); d = d.getParent()) {
            Path f = d.resolve(file);
            if (Files.exists(f)) {
                lowest = Math.min(lowest, number(f));
            }
        }
        return lowest;
    }

    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[64]);

    /**
     * Reads a single number; {@code max} and v1's "no limit" are {@link #UNLIMITED}; 0 if the file
     * does not exist. One open, one read, one close: this runs on every sysinfo call.
     */
    static long number(Path file) throws IOException {
        byte[] b = BUFFER.get();
        int n;
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            n = in.read(b);
        } catch (FileNotFoundException e) {
            return 0;
        }
        long value = 0;
        int digits = 0;
        for (int i = 0; i < n && b[i] != '\n'; i++) {
            if (b[i] < '0' || b[i] > '9') {
                String text = new String(b, 0, n, StandardCharsets.US_ASCII).trim();
                if (text.equals("max")) {
                    return UNLIMITED;
                }
                throw new NumberFormatException("not a number in " + file + ": " + text);
            }
            value = value * 10 + (b[i] - '0');
            if (++digits > 19) {
                throw new NumberFormatException("number too long in " + file);
            }
        }
        if (digits == 0) {
            throw new NumberFormatException("empty " + file);
        }
        return value >= V1_NO_LIMIT || value < 0 ? UNLIMITED : value;
    }

    private static long stat(Path file, String key) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key + " ")) {
                return Long.parseLong(line.substring(key.length() + 1).trim());
            }
        }
        return 0;
    }
}
