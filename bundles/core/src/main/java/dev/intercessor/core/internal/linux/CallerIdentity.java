package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Predicate;

import dev.intercessor.api.CallerFs;
import dev.intercessor.api.Capability;
import dev.intercessor.api.Credentials;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.SyscallException;
import jnr.ffi.Pointer;

/**
 * Lets one thread take on a caller's identity and give it back (DESIGN.md §3): after
 * {@code unshare(CLONE_FS)} the thread's root, cwd and umask are its own, so {@code setns(mnt)},
 * {@code chroot}, {@code umask}, {@code setfsuid/setfsgid} and {@code capset} change this thread
 * only. One instance per thread, made on first use; every field is thread-confined.
 */
public final class CallerIdentity implements CallerFs {

    private static final int CAP_VERSION_3 = 0x20080522;
    private static final int CAP_SETGID = 6;
    private static final int CAP_SETUID = 7;
    private static final int CAP_SYS_CHROOT = 18;
    private static final int CAP_SYS_ADMIN = 21;

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

    private final Pointer capHeader = Linux.allocate(8);
    private final Pointer capData = Linux.allocate(24);
    private final long permitted;
    private final long inheritable;
    /** The supervisor's own supplementary groups, given back on leaving. */
    private final int[] supervisorGroups;
    private final Pointer statBuffer = Linux.allocate(Statx.SIZE);
    private final Pointer openHow = Linux.allocate(24);

    // The caller's handles while switched; owned by ProcTarget, not closed here.
    private ContainerInit container;
    private int callerMnt = -1;
    private int callerRoot = -1;
    private int callerDir = -1;
    private long effective;
    private boolean switched;

    private CallerIdentity() throws LinuxException {
        Linux.unshare(Linux.CLONE_FS);
        capHeader.putInt(0, CAP_VERSION_3);
        capHeader.putInt(4, 0);
        Linux.check("capget", Linux.libc().capget(capHeader, capData));
        permitted = Integer.toUnsignedLong(capData.getInt(4))
                | Integer.toUnsignedLong(capData.getInt(16)) << 32;
        inheritable = Integer.toUnsignedLong(capData.getInt(8))
                | Integer.toUnsignedLong(capData.getInt(20)) << 32;
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
            Linux.libc().umask(who.umask());
            // Exactly the caller's groups: the supervisor's own (root's group 0 among them) would
            // open directories to the caller that its own groups do not.
            Linux.setThreadGroups(groups);
            Linux.libc().setfsgid(who.fsgid());
            Linux.libc().setfsuid(who.fsuid());
            if (Linux.libc().setfsuid(-1) != who.fsuid() || Linux.libc().setfsgid(-1) != who.fsgid()) {
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
        if (Linux.libc().setns(fd, Linux.CLONE_NEWNS) == 0) {
            return;
        }
        int errno = Linux.errno();
        if (errno != Errno.EINVAL) {
            throw new LinuxException("setns", errno);
        }
        Linux.unshare(Linux.CLONE_FS);
        Linux.setns(fd, Linux.CLONE_NEWNS);
    }

    private void enterRoot() throws LinuxException {
        setMountNamespace(callerMnt);
        Linux.fchdir(callerRoot);
        Linux.chrootHere();
        Linux.fchdir(callerDir);
    }

    /** Gives the caller's identity back; a thread that cannot is useless and must end. */
    void leave() {
        int umaskFailed = 0;
        try {
            setEffective(permitted);
            Linux.libc().setfsuid(0);
            Linux.libc().setfsgid(0);
            Linux.setThreadGroups(supervisorGroups);
            setMountNamespace(HOST_MNT_NS);
            umaskFailed = Linux.libc().umask(022) < 0 ? 1 : 0;
        } catch (LinuxException e) {
            throw new IdentityStuck("cannot return to the supervisor's identity: " + e.getMessage());
        } finally {
            switched = false;
            container = null;
            callerMnt = callerRoot = callerDir = -1;
        }
        if (Linux.libc().setfsuid(-1) != 0 || Linux.libc().setfsgid(-1) != 0 || umaskFailed != 0) {
            throw new IdentityStuck("fsuid/fsgid still the caller's after switching back");
        }
    }

    private void setEffective(long mask) throws LinuxException {
        capHeader.putInt(0, CAP_VERSION_3);
        capHeader.putInt(4, 0);
        capData.putInt(0, (int) mask);
        capData.putInt(4, (int) permitted);
        capData.putInt(8, (int) inheritable);
        capData.putInt(12, (int) (mask >>> 32));
        capData.putInt(16, (int) (permitted >>> 32));
        capData.putInt(20, (int) (inheritable >>> 32));
        Linux.check("capset", Linux.libc().capset(capHeader, capData));
        effective = mask;
    }

    private void checkSwitched() {
        if (!switched) {
            throw new IllegalStateException("CallerFs used outside asCaller");
        }
    }

    /** The parent directory of a path, opened without crossing /proc magic links. */
    private int openParent(byte[] path, int slash) throws LinuxException {
        String parent = slash < 0 ? "." : slash == 0 ? "/" : new String(path, 0, slash,
                StandardCharsets.ISO_8859_1);
        return Linux.openat2(Linux.AT_FDCWD, Linux.cPath(parent.getBytes(StandardCharsets.ISO_8859_1)),
                Linux.O_PATH | Linux.O_DIRECTORY, Linux.RESOLVE_NO_MAGICLINKS, openHow);
    }

    private static int lastSlash(byte[] path) {
        for (int i = path.length - 1; i >= 0; i--) {
            if (path[i] == '/') {
                return i;
            }
        }
        return -1;
    }

    private static byte[] leaf(byte[] path, int slash) {
        byte[] leaf = new byte[path.length - slash - 1];
        System.arraycopy(path, slash + 1, leaf, 0, leaf.length);
        return Linux.cPath(leaf);
    }

    private static byte[] bytes(String path) throws SyscallException {
        if (path.isEmpty()) {
            throw new SyscallException(Errno.ENOENT, "empty path");
        }
        return path.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void mknod(String path, int mode, int major, int minor) throws SyscallException {
        checkSwitched();
        byte[] p = bytes(path);
        long dev = makedev(major, minor);
        if (p[p.length - 1] == '/') {
            // A trailing slash never creates a node: let the kernel give its own errno.
            check("mknodat", Linux.libc().mknodat(Linux.AT_FDCWD, Linux.cPath(p), mode, dev));
            return;
        }
        int slash = lastSlash(p);
        int parent = -1;
        try {
            parent = openParent(p, slash);
            check("mknodat", Linux.libc().mknodat(parent, leaf(p, slash), mode, dev));
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(parent);
        }
    }

    /** Opens the node itself (never following a final symlink) and checks it is that device. */
    private int openNode(byte[] p, int major, int minor) throws LinuxException, SyscallException {
        return openNode(p, FileStat.S_IFCHR, major, minor);
    }

    private int openNode(byte[] p, int type, int major, int minor) throws LinuxException, SyscallException {
        int slash = lastSlash(p);
        int parent = openParent(p, slash);
        try {
            int node = Linux.openat(parent, leaf(p, slash), Linux.O_PATH | Linux.O_NOFOLLOW);
            FileStat stat = Statx.stat(node, statBuffer);
            if ((stat.mode() & FileStat.S_IFMT) != type || stat.major() != major || stat.minor() != minor) {
                Linux.close(node);
                throw new SyscallException(Errno.EINVAL, "not " + (type == FileStat.S_IFCHR ? "char" : "block")
                        + " device " + major + ":" + minor);
            }
            return node;
        } finally {
            Linux.close(parent);
        }
    }

    @Override
    public boolean deviceOpens(String path, int major, int minor) throws SyscallException {
        checkSwitched();
        int node = -1;
        int opened = -1;
        long saved = effective;
        try {
            node = openNode(bytes(path), major, minor);
            // Only the filesystem's own refusal (SB_I_NODEV → EACCES) can fail the reopen.
            opened = reopen(node, Linux.O_RDONLY | Linux.O_NONBLOCK | Linux.O_NOCTTY);
            if (opened >= 0) {
                return true;
            }
            int errno = -opened;
            if (errno == Errno.EACCES || errno == Errno.EPERM) {
                return false;
            }
            return true; // the driver answered (e.g. ENXIO for /dev/tty without a terminal)
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(opened);
            Linux.close(node);
            restoreEffective(saved);
        }
    }

    /**
     * Opens the inode behind the O_PATH descriptor {@code node} for real, through the host's
     * procfs (so no path is looked up again), with DAC_OVERRIDE alone so that file modes do not
     * decide; the effective set is as before afterwards.
     *
     * @return the new descriptor, or {@code -errno}
     */
    private int reopen(int node, int flags) throws LinuxException {
        long saved = effective;
        setEffective(1L << Capability.DAC_OVERRIDE.number());
        int opened = Linux.libc().openat(HOST_PROC, Linux.cPath("thread-self/fd/" + node),
                flags | Linux.O_CLOEXEC, 0);
        int result = opened >= 0 ? opened : -Linux.errno(); // before capset overwrites errno
        setEffective(saved);
        return result;
    }

    private long replicaCounter;

    /** Device replicas one container may have mounted; the store has room for many containers' worth. */
    public static volatile int deviceNodesPerContainer = 256;

    @Override
    public void mountUsableNode(String path, int major, int minor) throws SyscallException {
        mountUsableNode(path, FileStat.S_IFCHR, major, minor);
    }

    /**
     * As {@link #mountUsableNode(String, int, int)} for a node of {@code type}, {@link FileStat#S_IFCHR}
     * or {@link FileStat#S_IFBLK} (a loop device the supervisor assigned to the container).
     */
    public void mountUsableNode(String path, int type, int major, int minor) throws SyscallException {
        mountUsableNode(path, type, major, minor, false);
    }

    /**
     * As {@link #mountUsableNode(String, int, int, int)}; with {@code keep} the replica keeps its
     * name in the store (a mount of an unlinked node cannot be cloned and attached again, as the
     * FUSE helper does with a block device), for the caller to remove.
     *
     * @return the replica's name in the store if kept, else null
     */
    public String mountUsableNode(String path, int type, int major, int minor, boolean keep) throws SyscallException {
        checkSwitched();
        if (!container.takeDeviceReplica(deviceNodesPerContainer)) {
            removeNode(path, type, major, minor);
            throw new SyscallException(Errno.ENOSPC, "the container has " + deviceNodesPerContainer
                    + " device nodes made usable already (deviceNodesPerContainer)");
        }
        boolean mounted = false;
        try {
            String kept = mountReplica(path, type, major, minor, keep);
            mounted = true;
            return kept;
        } finally {
            if (!mounted) {
                container.returnDeviceReplica();
                removeNode(path, type, major, minor);
            }
        }
    }

    /** Removes the node a failed {@link #mountUsableNode} was asked about, if it is still that device. */
    private void removeNode(String path, int type, int major, int minor) {
        int node = -1;
        try {
            byte[] p = bytes(path);
            node = openNode(p, type, major, minor); // checks it is that device
            int slash = lastSlash(p);
            int parent = openParent(p, slash);
            try {
                Linux.libc().unlinkat(parent, leaf(p, slash), 0);
            } finally {
                Linux.close(parent);
            }
        } catch (SyscallException | LinuxException e) {
            // nothing there to remove, or not ours
        } finally {
            Linux.close(node);
        }
    }

    private String mountReplica(String path, int type, int major, int minor, boolean keep) throws SyscallException {
        int store = DeviceNodeStore.directory();
        if (store < 0) {
            throw new SyscallException(Errno.ENODEV, "no device node store mounted");
        }
        int node = -1;
        int tree = -1;
        byte[] replica = Linux.cPath(Thread.currentThread().getId() + "-" + (++replicaCounter));
        boolean replicaMade = false;
        long saved = effective;
        try {
            node = openNode(bytes(path), type, major, minor);
            FileStat stat = Statx.stat(node, statBuffer);
            // The replica: same device, owner, group and mode, on the supervisor's tmpfs.
            setEffective(1L << Capability.MKNOD.number() | 1L << Capability.DAC_OVERRIDE.number()
                    | 1L << Capability.CHOWN.number() | 1L << Capability.FOWNER.number()
                    | 1L << CAP_SYS_ADMIN | 1L << CAP_SYS_CHROOT);
            Linux.check("mknodat replica", Linux.libc().mknodat(store, replica,
                    type | 0600, makedev(major, minor)));
            replicaMade = true;
            Linux.check("fchownat replica", Linux.libc().fchownat(store, replica, stat.uid(),
                    stat.gid(), Linux.AT_SYMLINK_NOFOLLOW));
            Linux.check("fchmodat replica", Linux.libc().fchmodat(store, replica, stat.mode() & 07777, 0));
            // open_tree(OPEN_TREE_CLONE) only clones mounts of the thread's own mount namespace.
            setMountNamespace(HOST_MNT_NS);
            try {
                tree = (int) Linux.check("open_tree", Linux.libc().syscall(Linux.SYS_OPEN_TREE,
                        store, pathPointer(replica), Linux.OPEN_TREE_CLONE | Linux.OPEN_TREE_CLOEXEC,
                        0, 0));
            } finally {
                enterRoot();
            }
            moveOnto(tree, node);
            if (keep) {
                replicaMade = false;
                return new String(replica, 0, replica.length - 1, StandardCharsets.ISO_8859_1);
            }
            return null;
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            if (replicaMade) {
                Linux.libc().unlinkat(store, replica, 0); // the mount keeps the inode
            }
            Linux.close(tree);
            Linux.close(node);
            restoreEffective(saved);
        }
    }

    private final Pointer emptyPath = Linux.allocate(1);

    /** move_mount of the detached mount {@code tree} onto the file {@code target} refers to. */
    private void moveOnto(int tree, int target) throws LinuxException {
        Linux.check("move_mount", Linux.libc().syscall(Linux.SYS_MOVE_MOUNT, tree, emptyPath, target,
                emptyPathAddress(), Linux.MOVE_MOUNT_F_EMPTY_PATH | Linux.MOVE_MOUNT_T_EMPTY_PATH));
    }

    private long emptyPathAddress() {
        return emptyPath.address();
    }

    private static Pointer pathPointer(byte[] c) {
        Pointer p = Linux.allocate(c.length);
        p.put(0, c, 0, c.length);
        return p;
    }

    private void restoreEffective(long saved) {
        if (effective != saved) {
            try {
                setEffective(saved);
            } catch (LinuxException e) {
                throw new IdentityStuck("cannot restore capabilities: " + e.getMessage());
            }
        }
    }

    @Override
    public void setxattr(String path, boolean followSymlinks, String name, byte[] value, int flags,
            Predicate<FileStat> mayModify) throws SyscallException {
        checkSwitched();
        int node = -1;
        int opened = -1;
        long saved = effective;
        try {
            node = Linux.openat2(Linux.AT_FDCWD, Linux.cPath(bytes(path)),
                    Linux.O_PATH | (followSymlinks ? 0 : Linux.O_NOFOLLOW), Linux.RESOLVE_NO_MAGICLINKS, openHow);
            FileStat found = Statx.stat(node, statBuffer);
            int type = found.mode() & FileStat.S_IFMT;
            if (type != FileStat.S_IFDIR && type != FileStat.S_IFREG) {
                throw new SyscallException(Errno.EPERM, "setxattr only on directories and regular files");
            }
            if (!mayModify.test(found)) {
                throw new SyscallException(Errno.EPERM, "the caller may not modify this file");
            }
            // An O_PATH fd takes no xattrs: reopen that very inode (reading a directory or regular
            // file has no side effects); only the checks above decide.
            opened = reopen(node, Linux.O_RDONLY | Linux.O_NONBLOCK
                    | (type == FileStat.S_IFDIR ? Linux.O_DIRECTORY : 0));
            if (opened < 0) {
                throw new LinuxException("reopen", -opened);
            }
            byte[] v = value.length == 0 ? new byte[1] : value;
            Linux.check("fsetxattr", Linux.libc().fsetxattr(opened,
                    Linux.cPath(name.getBytes(StandardCharsets.UTF_8)), v, value.length, flags));
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(opened);
            Linux.close(node);
            restoreEffective(saved);
        }
    }

    /**
     * {@link dev.intercessor.api.Target#mountImage}, switched: the image and target are opened as
     * the caller; the loop device, the filesystem and the mount are made with the supervisor's
     * capabilities in its own mount namespace (where /dev/loop* are); the mount is then moved onto
     * the target in the caller's.
     *
     * A block device source needs no loop device: the kernel gets the host's node of that device
     * number, else this thread's fd of the caller's node ({@code /proc/thread-self/fd/N}, whose
     * may_open_dev the caller's own open passed already); lookup_bdev takes only the number.
     *
     * @param userns  the caller's user namespace for an idmapped mount, else -1
     * @param devices the caller's device cgroup, asked for a block device source
     */
    void mountImage(dev.intercessor.api.ImageMount m, int userns, DeviceCgroupRules devices) throws SyscallException {
        checkSwitched();
        int image = -1;
        int target = -1;
        int loop = -1;
        int fs = -1;
        int mount = -1;
        long saved = effective;
        try {
            int[] opened = openForMount(m, devices);
            image = opened[0];
            target = opened[1];
            FileStat source = Statx.stat(image, statBuffer);
            boolean blockDevice = (source.mode() & FileStat.S_IFMT) == FileStat.S_IFBLK;

            setEffective(permitted);
            setMountNamespace(HOST_MNT_NS); // its root: /dev/loop* and /proc are the host's
            try {
                String device;
                if (blockDevice) {
                    device = hostDeviceNode(source.major(), source.minor()).orElse("/proc/thread-self/fd/" + image);
                } else {
                    loop = attachLoop(image, m.readOnly());
                    device = "/dev/loop" + loopNumber;
                }
                Pointer type = pathPointer(Linux.cPath(m.fstype()));
                fs = (int) Linux.check("fsopen", Linux.libc().syscall(Linux.SYS_FSOPEN, type,
                        1 /* FSOPEN_CLOEXEC */, 0, 0, 0));
                fsconfig(fs, Linux.FSCONFIG_SET_STRING, "source", device);
                for (String option : m.options()) {
                    int eq = option.indexOf('=');
                    if (eq < 0) {
                        fsconfig(fs, Linux.FSCONFIG_SET_FLAG, option, null);
                    } else {
                        fsconfig(fs, Linux.FSCONFIG_SET_STRING, option.substring(0, eq), option.substring(eq + 1));
                    }
                }
                if (m.readOnly()) {
                    fsconfig(fs, Linux.FSCONFIG_SET_FLAG, "ro", null);
                }
                if (Linux.libc().syscall(Linux.SYS_FSCONFIG, fs, Linux.FSCONFIG_CMD_CREATE, (Pointer) null,
                        (Pointer) null, 0) < 0) {
                    int errno = Linux.errno();
                    throw new LinuxException("fsconfig create: " + contextLog(fs), errno);
                }
                int attributes = Linux.MOUNT_ATTR_NOSUID | Linux.MOUNT_ATTR_NODEV
                        | (m.readOnly() ? Linux.MOUNT_ATTR_RDONLY : 0) | (m.noExec() ? Linux.MOUNT_ATTR_NOEXEC : 0)
                        | (m.noAtime() ? Linux.MOUNT_ATTR_NOATIME : 0);
                mount = (int) Linux.check("fsmount", Linux.libc().syscall(Linux.SYS_FSMOUNT, fs,
                        1 /* FSMOUNT_CLOEXEC */, attributes, 0, 0));
                if (userns >= 0) {
                    Pointer attr = Linux.allocate(32); // struct mount_attr
                    attr.putLong(0, Linux.MOUNT_ATTR_IDMAP);
                    attr.putLong(24, userns);
                    Linux.check("mount_setattr", mountSetattr(mount, attr));
                }
            } finally {
                enterRoot();
            }
            moveOnto(mount, target);
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            // The mount holds the loop device; with AUTOCLEAR it is detached when the mount goes
            // (or now, if nothing was mounted).
            Linux.close(mount);
            Linux.close(fs);
            Linux.close(loop);
            Linux.close(target);
            Linux.close(image);
            restoreEffective(saved);
        }
    }

    /**
     * Opens a mount's source (read-write unless read-only) and target directory as the caller. The
     * source is an image file, or a block device its device cgroup allows with that access (and its
     * own open then passes may_open_dev: no nodev mount).
     *
     * @return {source fd, target fd}, the supervisor's to close
     */
    int[] openForMount(dev.intercessor.api.ImageMount m, DeviceCgroupRules devices)
            throws SyscallException, LinuxException {
        int image = openSource(m.source(), m.readOnly(), devices);
        try {
            int target = Linux.openat2(Linux.AT_FDCWD, Linux.cPath(bytes(m.target())),
                    Linux.O_PATH | Linux.O_DIRECTORY, Linux.RESOLVE_NO_MAGICLINKS, openHow);
            return new int[] {image, target};
        } catch (LinuxException | RuntimeException e) {
            Linux.close(image);
            throw e;
        }
    }

    /**
     * Opens a mount's source as the caller: an image file, or a block device its device cgroup
     * allows with that access.
     *
     * @return the source's fd, the supervisor's to close
     */
    private int openSource(String source, boolean readOnly, DeviceCgroupRules devices)
            throws SyscallException, LinuxException {
        checkSwitched();
        // O_PATH first: opening a FIFO (or a device) for real could block this thread for as long
        // as the container likes. Only a regular file, or a block device its device cgroup allows
        // (the device the container was given), is then opened, non-blocking, through the
        // O_PATH fd, with the caller's own identity deciding the access.
        int path = Linux.openat2(Linux.AT_FDCWD, Linux.cPath(bytes(source)), Linux.O_PATH,
                Linux.RESOLVE_NO_MAGICLINKS, openHow);
        try {
            FileStat found = Statx.stat(path, statBuffer);
            if ((found.mode() & FileStat.S_IFMT) == FileStat.S_IFBLK) {
                devices.checkBlock(source, found.major(), found.minor(), !readOnly);
            } else if ((found.mode() & FileStat.S_IFMT) != FileStat.S_IFREG) {
                throw new SyscallException(Errno.ENOTBLK, source + " is neither an image file nor a block device");
            }
            int image = Linux.libc().openat(HOST_PROC, Linux.cPath("thread-self/fd/" + path),
                    (readOnly ? Linux.O_RDONLY : Linux.O_RDWR) | Linux.O_NONBLOCK | Linux.O_NOCTTY
                    | Linux.O_CLOEXEC, 0);
            if (image < 0) {
                throw new LinuxException("open " + source, Linux.errno());
            }
            return image;
        } finally {
            Linux.close(path);
        }
    }

    /**
     * {@link dev.intercessor.api.ImageMounts#readSource}, switched: the source is opened read-only
     * as for a read-only mount, and read with this thread's own pread.
     */
    byte[] readSource(String source, long offset, int length, DeviceCgroupRules devices)
            throws SyscallException, LinuxException {
        int image = openSource(source, true, devices);
        try {
            Pointer buffer = Linux.allocate(length);
            int done = 0;
            while (done < length) {
                long n = Linux.libc().pread64(image, buffer.slice(done), length - done, offset + done);
                if (n < 0) {
                    int errno = Linux.errno();
                    if (errno == Linux.EINTR) {
                        continue;
                    }
                    throw new LinuxException("read " + source, errno);
                }
                if (n == 0) {
                    break;
                }
                done += (int) n;
            }
            byte[] bytes = new byte[done];
            buffer.get(0, bytes, 0, done);
            return bytes;
        } finally {
            Linux.close(image);
        }
    }

    /**
     * @return the host's own node of a block device (in the host's /dev, as its uevent names it),
     *         if it is one with that number: the mount then shows the name the host knows it by
     *         rather than the supervisor's fd; lookup_bdev takes only the number from it. Called in
     *         the host's mount namespace.
     */
    private java.util.Optional<String> hostDeviceNode(int major, int minor) {
        try {
            String uevent = java.nio.file.Files.readString(java.nio.file.Path.of("/sys/dev/block/"
                    + Integer.toUnsignedString(major) + ":" + Integer.toUnsignedString(minor) + "/uevent"));
            for (String line : uevent.split("\n")) {
                if (line.startsWith("DEVNAME=") && line.substring(8).matches("[A-Za-z0-9_.:+-]+(/[A-Za-z0-9_.:+-]+)*")
                        && !line.contains("..")) {
                    String node = "/dev/" + line.substring(8);
                    FileStat st = Statx.stat(Linux.AT_FDCWD, Linux.cPath(node), Linux.AT_SYMLINK_NOFOLLOW, statBuffer);
                    if ((st.mode() & FileStat.S_IFMT) == FileStat.S_IFBLK && st.major() == major && st.minor() == minor) {
                        return java.util.Optional.of(node);
                    }
                }
            }
        } catch (java.io.IOException | LinuxException | RuntimeException e) {
            // no such node: the fd it is
        }
        return java.util.Optional.empty();
    }

    private int loopNumber;

    /** @return a loop device, configured on {@code image} with AUTOCLEAR; its number in loopNumber */
    private int attachLoop(int image, boolean readOnly) throws LinuxException {
        int control = Linux.openat(Linux.AT_FDCWD, "/dev/loop-control", Linux.O_RDWR);
        try {
            for (int attempt = 0; ; attempt++) {
                int n = Linux.check("LOOP_CTL_GET_FREE", Linux.libc().ioctl(control, Linux.LOOP_CTL_GET_FREE, 0L));
                int loop = Linux.openat(Linux.AT_FDCWD, "/dev/loop" + n, readOnly ? Linux.O_RDONLY : Linux.O_RDWR);
                Pointer config = Linux.allocate(304); // struct loop_config
                config.putInt(0, image);
                config.putInt(8 + 52, Linux.LO_FLAGS_AUTOCLEAR | (readOnly ? Linux.LO_FLAGS_READ_ONLY : 0));
                if (Linux.libc().ioctl(loop, Linux.LOOP_CONFIGURE, config) == 0) {
                    loopNumber = n;
                    return loop;
                }
                int errno = Linux.errno();
                Linux.close(loop);
                if (errno != Errno.EBUSY || attempt >= 10) { // EBUSY: someone took it meanwhile
                    throw new LinuxException("LOOP_CONFIGURE", errno);
                }
            }
        } finally {
            Linux.close(control);
        }
    }

    /** mount_setattr(fd, "", AT_EMPTY_PATH, attr, 32): path and attr both passed as pointers. */
    private long mountSetattr(int mount, Pointer attr) {
        return Linux.libc().syscall(Linux.SYS_MOUNT_SETATTR, mount, emptyPath, Linux.AT_EMPTY_PATH, attr, 32);
    }

    /** @return what the kernel said about a failed filesystem context (read from its fd) */
    private static String contextLog(int fs) {
        Pointer buffer = Linux.allocate(512);
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            long n = Linux.libc().read(fs, buffer, 511);
            if (n <= 0) {
                break;
            }
            byte[] line = new byte[(int) n];
            buffer.get(0, line, 0, (int) n);
            log.append(log.length() == 0 ? "" : "; ").append(new String(line, StandardCharsets.UTF_8).trim());
        }
        return log.length() == 0 ? "no message" : log.toString();
    }

    private void fsconfig(int fs, int command, String key, String value) throws LinuxException {
        Pointer k = pathPointer(Linux.cPath(key));
        Pointer v = value == null ? null : pathPointer(Linux.cPath(value));
        Linux.check("fsconfig " + key, Linux.libc().syscall(Linux.SYS_FSCONFIG, fs, command, k, v, 0));
    }

    @Override
    public FileStat stat(String path, boolean followSymlinks) throws SyscallException {
        checkSwitched();
        try {
            return Statx.stat(Linux.AT_FDCWD, Linux.cPath(bytes(path)),
                    followSymlinks ? 0 : Linux.AT_SYMLINK_NOFOLLOW, statBuffer);
        } catch (LinuxException e) {
            throw e.toSyscallException();
        }
    }

    private static void check(String call, int result) throws SyscallException {
        if (result < 0) {
            int errno = Linux.errno();
            throw new SyscallException(errno, call);
        }
    }

    /** glibc's {@code makedev}: the kernel takes the low 32 bits (new_decode_dev). */
    static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8)
                | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }
}
