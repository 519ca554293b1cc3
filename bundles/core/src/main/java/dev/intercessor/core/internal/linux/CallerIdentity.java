package dev.intercessor.core.internal.linux;

import java.util.Set;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Credentials;
import dev.intercessor.api.Errno;

/**
 * Lets one thread take on a caller's identity and give it back (DESIGN.md §3): after
 * {@code unshare(CLONE_FS)} the thread's root, cwd and umask are its own, so {@code setns(mnt)},
 * {@code chroot}, {@code umask}, {@code setfsuid/setfsgid} and {@code capset} change this thread
 * only. One instance per thread, made on first use; every field is thread-confined.
 *
 * <p>What the thread does while switched is {@link CallerFiles}' (the caller's files),
 * {@link DeviceReplicas}' and {@link ImageMounter}'s; this class only switches.
 */
public final class CallerIdentity {

    static final int CAP_SYS_CHROOT = 18;
    static final int CAP_SYS_ADMIN = 21;

    private static final ThreadLocal<CallerIdentity> PER_THREAD = new ThreadLocal<>();

    /** The host's mount namespace and procfs, opened once, to come back to and reopen fds. */
    private static final int HOST_MNT_NS;
    private static final int HOST_PROC;

    static {
        try {
            HOST_MNT_NS = Linux.openat(Linux.AT_FDCWD, "/proc/self/ns/mnt", Linux.O_RDONLY);
            HOST_PROC = Linux.openat(Linux.AT_FDCWD, "/proc", Linux.O_PATH | Linux.O_DIRECTORY);
        } catch (LinuxException e) {
            throw new IllegalStateException("cannot open the host's namespaces: " + e.getMessage());
        }
    }

    private final CapabilitySets capabilities = new CapabilitySets();
    private final long permitted;
    private final long inheritable;
    /** The supervisor's own supplementary groups, given back on leaving. */
    private final int[] supervisorGroups;

    // The caller's handles while switched; owned by ProcTarget, not closed here.
    private ContainerInit container;
    private int callerMnt = -1;
    private int callerRoot = -1;
    private int callerDir = -1;
    private long effective;
    private boolean switched;

    private CallerIdentity() throws LinuxException {
        Linux.unshare(Linux.CLONE_FS);
        CapabilitySets.Sets own = capabilities.read();
        permitted = own.permitted();
        inheritable = own.inheritable();
        supervisorGroups = Linux.threadGroups();
    }

    /** @return this thread's instance, made (and the thread's fs state unshared) on first use */
    public static CallerIdentity forCurrentThread() throws LinuxException {
        CallerIdentity identity = PER_THREAD.get();
        if (identity == null) {
            identity = new CallerIdentity();
            PER_THREAD.set(identity);
        }
        return identity;
    }

    /** Thrown when the thread could not get its own identity back: it must not be used again. */
    public static final class IdentityStuck extends Error {
        private static final long serialVersionUID = 1L;

        IdentityStuck(String message) {
            super(message);
        }
    }

    static long mask(Set<Capability> capabilities) {
        long mask = 0;
        for (Capability c : capabilities) {
            mask |= 1L << c.number();
        }
        return mask;
    }

    /**
     * Becomes the caller. On failure, everything already changed is undone before throwing.
     */
    void enter(ContainerInit container, int mnt, int root, int dir, Credentials who, int[] groups,
            Set<Capability> capabilities) throws LinuxException {
        if (switched) {
            throw new IllegalStateException("nested asCaller");
        }
        switched = true;
        this.container = container;
        callerMnt = mnt;
        callerRoot = root;
        callerDir = dir;
        try {
            enterRoot();
            FileCalls.umask(who.umask());
            // Exactly the caller's groups: the supervisor's own (root's group 0 among them) would
            // open directories to the caller that its own groups do not.
            Linux.setThreadGroups(groups);
            FileCalls.setfsgid(who.fsgid());
            FileCalls.setfsuid(who.fsuid());
            if (FileCalls.setfsuid(-1) != who.fsuid() || FileCalls.setfsgid(-1) != who.fsgid()) {
                throw new LinuxException("setfsuid/setfsgid", Errno.EPERM);
            }
            setEffective(mask(capabilities));
        } catch (LinuxException | RuntimeException e) {
            leave();
            throw e;
        }
    }

    /**
     * setns(CLONE_NEWNS), taking this thread's fs_struct private again if needed: a thread the
     * JVM created from this one shares it (pthread_create passes CLONE_FS), and the kernel then
     * refuses with EINVAL.
     */
    private static void setMountNamespace(int fd) throws LinuxException {
        try {
            Linux.setns(fd, Linux.CLONE_NEWNS);
        } catch (LinuxException e) {
            if (e.errno() != Errno.EINVAL) {
                throw e;
            }
            Linux.unshare(Linux.CLONE_FS);
            Linux.setns(fd, Linux.CLONE_NEWNS);
        }
    }

    /** Back into the caller's mount namespace, root and working directory. */
    void enterRoot() throws LinuxException {
        setMountNamespace(callerMnt);
        Linux.fchdir(callerRoot);
        Linux.chrootHere();
        Linux.fchdir(callerDir);
    }

    /**
     * Into the host's mount namespace, at its root (where /dev/loop* and the host's /proc are),
     * still with the caller's fs ids; {@link #enterRoot} goes back.
     */
    void enterHostMounts() throws LinuxException {
        setMountNamespace(HOST_MNT_NS);
    }

    /** Gives the caller's identity back; a thread that cannot is useless and must end. */
    void leave() {
        int umaskFailed = 0;
        try {
            setEffective(permitted);
            FileCalls.setfsuid(0);
            FileCalls.setfsgid(0);
            Linux.setThreadGroups(supervisorGroups);
            setMountNamespace(HOST_MNT_NS);
            umaskFailed = FileCalls.umask(022) < 0 ? 1 : 0;
        } catch (LinuxException e) {
            throw new IdentityStuck("cannot return to the supervisor's identity: " + e.getMessage());
        } finally {
            switched = false;
            container = null;
            callerMnt = callerRoot = callerDir = -1;
        }
        if (FileCalls.setfsuid(-1) != 0 || FileCalls.setfsgid(-1) != 0 || umaskFailed != 0) {
            throw new IdentityStuck("fsuid/fsgid still the caller's after switching back");
        }
    }

    /** @return the effective set now: to give to {@link #restoreEffective} after raising it */
    long effective() {
        return effective;
    }

    /** @return the supervisor's permitted set: everything this thread may raise */
    long permitted() {
        return permitted;
    }

    /** Makes {@code mask} the thread's effective set (within the permitted one). */
    void setEffective(long mask) throws LinuxException {
        capabilities.write(new CapabilitySets.Sets(mask, permitted, inheritable));
        effective = mask;
    }

    /** Puts back an effective set saved with {@link #effective}; a thread that cannot must end. */
    void restoreEffective(long saved) {
        if (effective != saved) {
            try {
                setEffective(saved);
            } catch (LinuxException e) {
                throw new IdentityStuck("cannot restore capabilities: " + e.getMessage());
            }
        }
    }

    /** @throws IllegalStateException unless switched: CallerFs works only inside asCaller */
    void checkSwitched() {
        if (!switched) {
            throw new IllegalStateException("CallerFs used outside asCaller");
        }
    }

    /** @return the caller's container while switched */
    ContainerInit container() {
        return container;
    }

    /**
     * Opens the inode behind the O_PATH descriptor {@code node} for real, through the host's
     * procfs (so no path is looked up again), with DAC_OVERRIDE alone so that file modes do not
     * decide; the effective set is as before afterwards.
     *
     * @return the new descriptor, or {@code -errno}
     */
    int reopen(int node, int flags) throws LinuxException {
        long saved = effective;
        setEffective(1L << Capability.DAC_OVERRIDE.number());
        int result = FileCalls.openatOrErrno(HOST_PROC, "thread-self/fd/" + node, flags); // errno before capset
        setEffective(saved);
        return result;
    }

    /**
     * Opens the inode behind the O_PATH descriptor {@code path} for real, through the host's
     * procfs, with the thread's identity as it is (the caller's access decides).
     */
    int reopenAsIs(int path, int flags, String what) throws LinuxException {
        int fd = FileCalls.openatOrErrno(HOST_PROC, "thread-self/fd/" + path, flags);
        if (fd < 0) {
            throw new LinuxException(what, -fd);
        }
        return fd;
    }
}
