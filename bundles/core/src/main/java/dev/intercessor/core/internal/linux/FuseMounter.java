package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.ImageMount;
import dev.intercessor.api.SyscallException;

/**
 * Mounts an image through a FUSE server for a caller ({@link dev.intercessor.api.ImageMounts#mountFuse}):
 * the source and target are opened as the caller, and the mount-to-FUSE helper
 * (docs/MOUNT-TO-FUSE.md) runs the server in the caller's namespaces and cgroups.
 */
final class FuseMounter {

    /** The helper bounds itself at 8 s (5 s for the server to answer); this is the backstop. */
    private static final long FUSE_TIMEOUT_SECONDS = 10;
    /** The caller's namespaces the FUSE server joins, in the helper's order. */
    private static final String[] FUSE_NAMESPACES = {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"};

    private FuseMounter() {
    }

    /**
     * @return whether {@code server} is a FUSE server the helper runs: a normalized absolute path
     *         under {@code /usr/}, no component empty, "." or ".."
     */
    static boolean isFuseServerPath(String server) {
        return server.startsWith("/usr/") && server.length() <= 200
                && server.matches("(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+");
    }

    /** @param helper the mount-to-FUSE helper (libexec/intercessor-fuse of the distribution) */
    static void mount(ProcTarget caller, Path helper, CgroupMounts cgroupMounts, int dirfd, ImageMount mount,
            String server) throws SyscallException {
        if (!isFuseServerPath(server)) {
            throw new SyscallException(Errno.EINVAL, "a FUSE server is an absolute path under /usr/: " + server);
        }
        DeviceCgroupRules devices = ImageMounter.deviceRules(caller);
        int[] fds = caller.asCaller(dirfd, Set.of(), fs -> {
            try {
                return ImageMounter.openForMount((CallerFiles) fs, mount, devices);
            } catch (LinuxException e) {
                throw e.toSyscallException();
            }
        });
        List<Integer> held = new ArrayList<>();
        Process process = null;
        try {
            // The caller's namespaces and cgroup directories, found through its checked /proc
            // directory: the helper never looks its pid up again, nor parses a path the container
            // wrote. It reaches all of these through /proc/<supervisor>/fd while this thread holds them.
            StringJoiner namespaces = new StringJoiner(",");
            for (String name : FUSE_NAMESPACES) {
                int fd = caller.openProcFile("ns/" + name, Linux.O_RDONLY);
                held.add(fd);
                namespaces.add(Integer.toString(fd));
            }
            StringJoiner cgroups = new StringJoiner(",");
            for (CgroupDirectory directory : cgroupMounts.all(caller.readProcFile("cgroup"))) {
                int fd = Linux.openat(Linux.AT_FDCWD, directory.path().toString(),
                        Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_NOFOLLOW);
                held.add(fd);
                cgroups.add(Integer.toString(fd));
            }
            long boundingSet = ProcStatus.boundingSet(caller.readProcFile("status"));
            if (!caller.stillWaiting()) {
                throw caller.gone();
            }
            process = new ProcessBuilder(helper.toString(), "mount",
                    Long.toString(ProcessHandle.current().pid()), Integer.toString(fds[0]),
                    Integer.toString(fds[1]), namespaces.toString(), cgroups.toString(),
                    Long.toHexString(boundingSet), mount.fstype(), server, attributes(mount))
                    .redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(FUSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new SyscallException(Errno.ENODEV, "the FUSE helper did not finish in "
                        + FUSE_TIMEOUT_SECONDS + " s");
            }
            // What it wrote before exiting is in the pipe; never wait for its end, which a server
            // left holding it by mistake would keep open.
            InputStream output = process.getInputStream();
            String out = new String(output.readNBytes(output.available()), StandardCharsets.UTF_8).trim();
            if (process.exitValue() != 0 || !out.startsWith("ok")) {
                throw new SyscallException(Errno.ENODEV, "mount-to-FUSE failed: " + out);
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.ENODEV, "cannot run " + helper + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.ENODEV, "cannot place the FUSE server in the caller's cgroups: "
                    + e.getMessage());
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted");
        } finally {
            if (process != null && process.isAlive()) {
                stop(process);
            }
            for (int f : held) {
                Linux.close(f);
            }
            Linux.close(fds[0]);
            Linux.close(fds[1]);
        }
    }

    /**
     * SIGTERM first: the helper then takes its mount off the target, which ends its server once
     * nothing holds the mount (docs/MOUNT-TO-FUSE.md); SIGKILL if it has not ended within a second.
     */
    private static void stop(Process helper) {
        helper.destroy();
        try {
            if (helper.waitFor(1, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        helper.destroyForcibly();
    }

    /** @return the helper's ATTRS word: "rw", or ro/noexec/noatime as asked */
    static String attributes(ImageMount m) {
        StringJoiner attrs = new StringJoiner(",");
        attrs.add(m.readOnly() ? "ro" : "rw");
        if (m.noExec()) {
            attrs.add("noexec");
        }
        if (m.noAtime()) {
            attrs.add("noatime");
        }
        return attrs.toString();
    }
}
