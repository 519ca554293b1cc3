package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;

import jnr.ffi.Pointer;

/**
 * A container's init process as it was when the container attached: its {@code /proc/<pid>}
 * directory (bound to that process, never to a later holder of its pid), its user and pid
 * namespaces and its uid map. The yardstick for every later caller: a process counts as the
 * container's only in the container's own user namespace.
 */
public final class ContainerInit implements AutoCloseable {

    private final int pid;
    /** Guarded by this: closed when the container detaches, maybe while a late call reads. */
    private int procDir;
    private final String userNamespace;
    private final String pidNamespace;
    private final long[] uidMap;
    private final boolean hostUserNamespace;
    private final boolean hostPidNamespace;
    /** Device replicas mounted into this container (never fewer than are alive). */
    private final java.util.concurrent.atomic.AtomicInteger deviceReplicas = new java.util.concurrent.atomic.AtomicInteger();

    private ContainerInit(int pid, int procDir, String userNamespace, String pidNamespace, long[] uidMap,
            boolean hostUserNamespace, boolean hostPidNamespace) {
        this.pid = pid;
        this.procDir = procDir;
        this.userNamespace = userNamespace;
        this.pidNamespace = pidNamespace;
        this.uidMap = uidMap;
        this.hostUserNamespace = hostUserNamespace;
        this.hostPidNamespace = hostPidNamespace;
    }

    /** Opens the init's /proc directory and reads what later checks compare against. */
    public static ContainerInit open(int pid) throws LinuxException {
        if (pid <= 0) {
            throw new LinuxException("no init pid (" + pid + ")", dev.intercessor.api.Errno.ESRCH);
        }
        return adopt(pid, Linux.openat(Linux.AT_FDCWD, "/proc/" + pid, Linux.O_PATH | Linux.O_DIRECTORY));
    }

    /**
     * The init of a container attached before, from its /proc directory as it was kept (over a
     * restart of the supervisor): bound to that process, whatever holds its pid now.
     *
     * @param dir an {@code O_PATH} descriptor of {@code /proc/<pid>}, this object's from now on
     *            (closed if this fails)
     */
    public static ContainerInit adopt(int pid, int dir) throws LinuxException {
        try {
            String user = link(dir, "ns/user");
            String pidNs = link(dir, "ns/pid");
            return new ContainerInit(pid, dir, user, pidNs, IdMap.parse(readFile(dir, "uid_map")),
                    user.equals(link(Linux.AT_FDCWD, "/proc/self/ns/user")),
                    pidNs.equals(link(Linux.AT_FDCWD, "/proc/self/ns/pid")));
        } catch (LinuxException | RuntimeException e) {
            Linux.close(dir);
            throw e;
        }
    }

    static String link(int dir, String name) throws LinuxException {
        return new String(Linux.readlinkat(dir, name), StandardCharsets.ISO_8859_1);
    }

    /** Reads a small file (at most 16 KiB) below a /proc directory. */
    static String readFile(int dir, String name) throws LinuxException {
        int fd = Linux.openat(dir, name, Linux.O_RDONLY);
        try {
            Pointer buffer = Scratch.get().file;
            int length = 0;
            long n;
            while (length < 16384 && (n = Linux.read(fd, buffer.slice(length), 16384 - length)) > 0) {
                length += (int) n;
            }
            byte[] text = new byte[length];
            buffer.get(0, text, 0, length);
            return new String(text, StandardCharsets.ISO_8859_1);
        } finally {
            Linux.close(fd);
        }
    }

    /**
     * Takes one of the container's {@code quota} device replicas. They are counted for the
     * container's life: a replica's inode lives as long as the container keeps its mount.
     *
     * @return false if the quota is used up
     */
    public boolean takeDeviceReplica(int quota) {
        if (deviceReplicas.incrementAndGet() > quota) {
            deviceReplicas.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Gives back a replica that was not mounted after all. */
    public void returnDeviceReplica() {
        deviceReplicas.decrementAndGet();
    }

    /** @return the host pid the runtime reported */
    public int pid() {
        return pid;
    }

    /** @return the init's user namespace, as {@code user:[inode]} */
    public String userNamespace() {
        return userNamespace;
    }

    /**
     * @return whether the container shares the host's user namespace: its root is host root, and
     *         nothing may be emulated for it
     */
    public boolean inHostUserNamespace() {
        return hostUserNamespace;
    }

    /** @return the id inside the container's user namespace that host uid {@code hostUid} maps to, or -1 */
    public int containerUid(int hostUid) {
        return (int) IdMap.inside(uidMap, Integer.toUnsignedLong(hostUid));
    }

    /**
     * @return a descriptor of {@code name} below the init's /proc directory (e.g. {@code ns/mnt},
     *         {@code root}), the caller's to close; fails once the init has gone
     */
    public synchronized int open(String name, int flags) throws LinuxException {
        if (procDir < 0) {
            throw new LinuxException("the container has detached", dev.intercessor.api.Errno.ESRCH);
        }
        return Linux.openat(procDir, name, flags);
    }

    /** @return a file of the init's /proc directory; fails once the init has gone */
    public synchronized String read(String name) throws LinuxException {
        if (procDir < 0) {
            throw new LinuxException("the container has detached", dev.intercessor.api.Errno.ESRCH);
        }
        return readFile(procDir, name);
    }

    /**
     * @param pid a host pid the runtime says belongs to this container
     * @return whether that process is in the container's pid namespace, which a process never
     *         leaves (its user namespace it may: an exec'd command can unshare one before we look)
     */
    public boolean holds(int pid) {
        if (pid <= 0) {
            return false;
        }
        int dir = -1;
        try {
            dir = Linux.openat(Linux.AT_FDCWD, "/proc/" + pid, Linux.O_PATH | Linux.O_DIRECTORY);
            return link(dir, "ns/pid").equals(pidNamespace)
                    && (!hostPidNamespace || link(dir, "ns/user").equals(userNamespace));
        } catch (LinuxException e) {
            return false;
        } finally {
            Linux.close(dir);
        }
    }

    /** Run once when the container detaches: releasing what the supervisor holds for it. */
    private final java.util.List<Runnable> onClose = new java.util.ArrayList<>();

    /**
     * Runs {@code action} when the container detaches (at once if it has).
     */
    public void onClose(Runnable action) {
        synchronized (this) {
            if (procDir >= 0) {
                onClose.add(action);
                return;
            }
        }
        action.run();
    }

    /** @return a duplicate of the init's /proc directory descriptor (to keep it over a restart), the caller's to close */
    public synchronized int duplicateProcDir() throws LinuxException {
        if (procDir < 0) {
            throw new LinuxException("the container has detached", dev.intercessor.api.Errno.ESRCH);
        }
        return Linux.check("F_DUPFD_CLOEXEC", Linux.duplicate(procDir));
    }

    /** @return whether the container has detached */
    public synchronized boolean closed() {
        return procDir < 0;
    }

    @Override
    public void close() {
        java.util.List<Runnable> actions;
        synchronized (this) {
            Linux.close(procDir);
            procDir = -1;
            actions = java.util.List.copyOf(onClose);
            onClose.clear();
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                java.util.logging.Logger.getLogger(ContainerInit.class.getName()).log(java.util.logging.Level.WARNING,
                        "releasing what container " + pid + " held failed", e);
            }
        }
    }
}
