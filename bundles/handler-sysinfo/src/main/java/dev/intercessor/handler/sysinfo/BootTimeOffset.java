package dev.intercessor.handler.sysinfo;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

/**
 * The boot-time offset of a caller's time namespace, which the kernel's {@code sysinfo} adds to
 * the uptime ({@code timens_add_boottime}).
 *
 * <p>{@code /proc/<tid>/timens_offsets} shows the offsets of the namespace the thread's
 * <em>children</em> get ({@code time_for_children}), measured on kernel 6.18: right after
 * {@code unshare(CLONE_NEWTIME)} a process still lives in its old namespace, yet its file shows
 * the new one's. The file is the caller's own only where {@code ns/time} and
 * {@code ns/time_for_children} are the same namespace; otherwise the process that forked the
 * caller handed it its namespace, and its {@code time_for_children} is the caller's {@code time}.
 */
final class BootTimeOffset {

    private BootTimeOffset() {
    }

    /** The supervisor's own time namespace: the host's, whose offsets are all 0. */
    private static final long HOST = hostNamespace();

    private static long hostNamespace() {
        try {
            return inode(Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString());
        } catch (IOException | RuntimeException e) {
            return -1; // no time namespaces in this kernel: every caller's offset is 0
        }
    }

    static long inode(String link) {
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.length() - 1));
    }

    /**
     * @param proc   the procfs to read ({@code /proc})
     * @param target the caller
     * @param pid    the caller's thread id
     * @return the boot-time offset of the caller's time namespace, in nanoseconds
     */
    static long of(Path proc, Target target, int pid) throws SyscallException, IOException {
        if (HOST < 0) {
            return 0;
        }
        long time = target.namespaceInode("time");
        if (time == HOST) {
            return 0;
        }
        if (time == target.namespaceInode("time_for_children")) {
            // Opened first, then checked: if the call still waits, the file is the caller's.
            try (FileInputStream in = new FileInputStream(proc.resolve(pid + "/timens_offsets").toFile())) {
                if (!target.stillWaiting()) {
                    throw new SyscallException(dev.intercessor.api.Errno.ESRCH, "the caller has gone");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
        // The caller unshared a namespace for its children: its own came from its parent.
        try {
            String status = Files.readString(proc.resolve(pid + "/status"));
            int ppid = Integer.parseInt(status.replaceAll("(?s).*\nPPid:\\s*(\\d+).*", "$1"));
            Path parent = proc.resolve(Integer.toString(ppid));
            try (FileInputStream in = new FileInputStream(parent.resolve("timens_offsets").toFile())) {
                if (inode(Files.readSymbolicLink(parent.resolve("ns/time_for_children")).toString()) != time) {
                    return 0;
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        } catch (IOException | RuntimeException e) {
            return 0; // the parent went: nothing else tells this namespace's offsets
        }
    }

    /** @return the boottime line of a {@code timens_offsets} file, in nanoseconds; 0 if absent */
    static long parse(String offsets) {
        for (String line : offsets.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // "boottime <secs> <nsecs>" (the clock is named; older kernels' numeric id 7 too)
            if (f.length == 3 && (f[0].equals("boottime") || f[0].equals("7"))) {
                return Long.parseLong(f[1]) * 1_000_000_000L + Long.parseLong(f[2]);
            }
        }
        return 0;
    }
}
