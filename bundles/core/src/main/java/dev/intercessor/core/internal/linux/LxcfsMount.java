package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import jnr.ffi.Pointer;

/**
 * Mounts LXCFS's per-container files over a container's {@code /proc} and {@code /sys} files, as
 * LXC and LXD do: one bind mount per file, so {@code free}, {@code uptime} and {@code top} read the
 * container's figures. LXCFS tells containers apart by the cgroup of the process that reads, so one
 * mount serves every process of the container.
 *
 * <p>The LXCFS mount point is the operator's (policy bound), checked to be the root of a
 * {@code fuse.lxcfs} mount. Each file is cloned there ({@code open_tree(OPEN_TREE_CLONE)}, which
 * only clones mounts of the thread's own namespace: the host's), then a thread of its own enters
 * the container's mount namespace and moves each clone onto the container's file, found inside
 * the container's root without following any symlink ({@code RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS},
 * {@code O_NOFOLLOW}), and only if that is a regular file. Nothing on the host side is resolved
 * through a path the container controls.
 */
public final class LxcfsMount {

    /** What LXCFS serves, relative to its mount point and to the container's root. */
    public static final List<String> FILES = List.of("proc/meminfo", "proc/cpuinfo", "proc/stat", "proc/uptime",
            "proc/loadavg", "proc/swaps", "proc/diskstats", "sys/devices/system/cpu/online");

    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final long RESOLVE_IN_ROOT = 0x10;
    private static final int ENOENT = 2;
    private static final int ENOTCONN = 107;
    /** LXCFS answers in microseconds; a hung one must not hold the runtime's attach for long. */
    private static final long TIMEOUT_SECONDS = 5;

    /**
     * @param mounted the files now LXCFS's in the container
     * @param missing the files that are absent in LXCFS or in the container (left alone)
     * @param failed  the files the kernel would not mount, each with its errno's name
     */
    public record Outcome(List<String> mounted, List<String> missing, List<String> failed) {
    }

    private LxcfsMount() {
    }

    /**
     * @param init       the container's init, whose mount namespace and root receive the mounts
     * @param mountPoint where LXCFS is mounted on the host, an absolute path
     * @return what was mounted
     * @throws LinuxException {@code ENODEV} if no LXCFS is mounted there, {@code ENOTCONN} if it
     *                        is mounted but its daemon does not answer, or what the kernel refused
     */
    public static Outcome mount(ContainerInit init, String mountPoint) throws LinuxException {
        // fds[0] LXCFS's root, [1] the container's mount namespace, [2] its root, [3] the host's
        // mount namespace; handed to the worker, which closes them, once it runs.
        int[] fds = {-1, -1, -1, -1};
        boolean handedOver = false;
        try {
            fds[0] = new OpenHow().open(Linux.AT_FDCWD, Linux.cPath(mountPoint), Linux.O_PATH | Linux.O_DIRECTORY,
                    RESOLVE_NO_SYMLINKS | Linux.RESOLVE_NO_MAGICLINKS);
            checkLxcfs(fds[0], mountPoint);
            fds[1] = init.open("ns/mnt", Linux.O_RDONLY);
            fds[2] = init.open("root", Linux.O_PATH | Linux.O_DIRECTORY);
            fds[3] = Linux.openat(Linux.AT_FDCWD, "/proc/thread-self/ns/mnt", Linux.O_RDONLY);
            // Loads what the worker uses in the container; not on LXCFS, which only the worker touches
            // (a stopped daemon holds whoever asks it, and the worker is waited for 5 s at most).
            Statx.stat(fds[3], Linux.allocate(Statx.SIZE));
            handedOver = true;
            return mountFiles(fds);
        } finally {
            if (!handedOver) {
                for (int fd : fds) {
                    Linux.close(fd);
                }
            }
        }
    }

    private static LinuxException notAnswering() {
        return new LinuxException("LXCFS is mounted but does not answer (its daemon has gone)", ENOTCONN);
    }

    /** The directory {@code fd} must be the root of a {@code fuse.lxcfs} mount at {@code mountPoint}. */
    private static void checkLxcfs(int fd, String mountPoint) throws LinuxException {
        try {
            String fdinfo = Files.readString(Path.of("/proc/thread-self/fdinfo/" + fd));
            String mountId = fdinfo.replaceAll("(?s).*\nmnt_id:\\s*(\\d+).*", "$1");
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/mountinfo"))) {
                // id parent major:minor root mount-point options [optional…] - type source super-options
                String[] f = line.split(" ");
                if (!f[0].equals(mountId)) {
                    continue;
                }
                int dash = line.indexOf(" - ");
                String type = line.substring(dash + 3).split(" ")[0];
                if (type.equals("fuse.lxcfs") && f[3].equals("/") && f[4].equals(mountPoint)) {
                    return;
                }
                throw new LinuxException(mountPoint + " is not an LXCFS mount (it is on " + f[4] + ", of type " + type
                        + ")", Errno.ENODEV);
            }
            throw new LinuxException(mountPoint + ": its mount is not in the host's mount table", Errno.ENODEV);
        } catch (IOException | RuntimeException e) {
            throw new LinuxException("cannot tell what is mounted on " + mountPoint + ": " + e, Errno.ENODEV);
        }
    }

    /**
     * Runs on a thread of its own, which ends in the host's namespace: it clones the files in the
     * host's mount namespace, then moves them in the container's. It makes only native calls
     * (no class loading, no logging) while in the container's namespace.
     */
    private static Outcome mountFiles(int[] fds) throws LinuxException {
        int lxcfs = fds[0];
        int namespace = fds[1];
        int root = fds[2];
        int hostNamespace = fds[3];
        // A worker still stuck in LXCFS when we give up must not mount later, nor close fds late.
        java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        int n = FILES.size();
        byte[][] paths = new byte[n][];
        for (int i = 0; i < n; i++) {
            paths[i] = Linux.cPath(FILES.get(i));
        }
        int[] errnos = new int[n];
        int[] trees = new int[n];
        java.util.Arrays.fill(trees, -1);
        String[] failure = {null};
        OpenHow how = new OpenHow(); // made here: no class is loaded inside the container's namespace
        Pointer stat = Linux.allocate(Statx.SIZE);
        Thread worker = new Thread(() -> {
            try {
                Linux.unshare(Linux.CLONE_FS); // setns(CLONE_NEWNS) needs an fs_struct of its own
                for (int i = 0; i < n; i++) {
                    try {
                        trees[i] = MountTrees.cloneTree(lxcfs, paths[i], AT_SYMLINK_NOFOLLOW);
                    } catch (LinuxException e) {
                        errnos[i] = e.errno();
                        if (errnos[i] == ENOTCONN) {
                            return; // LXCFS is mounted, but its daemon is gone
                        }
                    }
                }
                if (abandoned.get()) {
                    return;
                }
                Linux.setns(namespace, Linux.CLONE_NEWNS);
                try {
                    for (int i = 0; i < n; i++) {
                        if (trees[i] < 0) {
                            continue;
                        }
                        int target = -1;
                        try {
                            target = how.open(root, paths[i], Linux.O_PATH | Linux.O_NOFOLLOW,
                                    RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | Linux.RESOLVE_NO_MAGICLINKS);
                            if ((Statx.stat(target, stat).mode() & FileStat.S_IFMT) != FileStat.S_IFREG) {
                                errnos[i] = Errno.EINVAL;
                                continue;
                            }
                            MountTrees.move(trees[i], target); // loaded by cloneTree, on the host's side
                        } catch (LinuxException e) {
                            errnos[i] = e.errno();
                        } finally {
                            Linux.close(target);
                        }
                    }
                } finally {
                    Linux.setns(hostNamespace, Linux.CLONE_NEWNS);
                }
            } catch (LinuxException e) {
                failure[0] = e.getMessage();
            } finally {
                for (int tree : trees) {
                    Linux.close(tree);
                }
                for (int fd : fds) {
                    Linux.close(fd);
                }
            }
        }, "intercessor-lxcfs");
        worker.setDaemon(true);
        worker.start();
        try {
            worker.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            abandoned.set(true);
            throw new LinuxException("LXCFS did not answer within " + TIMEOUT_SECONDS + " s", Errno.ETIMEDOUT);
        }
        if (failure[0] != null) {
            throw new LinuxException(failure[0], Errno.EIO);
        }
        List<String> mounted = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (errnos[i] == ENOTCONN) {
                throw notAnswering();
            }
            if (errnos[i] == 0) {
                mounted.add(FILES.get(i));
            } else if (errnos[i] == ENOENT) {
                missing.add(FILES.get(i));
            } else {
                failed.add(FILES.get(i) + " (" + Errno.name(errnos[i]) + ")");
            }
        }
        return new Outcome(mounted, missing, failed);
    }
}
