package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

import dev.intercessor.api.CallerFs;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.SyscallException;
import jnr.ffi.Pointer;

/**
 * The caller's file operations ({@link CallerFs}), done by a thread {@link CallerIdentity switched}
 * to the caller: paths resolve in the caller's root and working directory, and the caller's fs
 * ids, groups and umask decide. Made for one {@code asCaller}; the native buffers are the thread's.
 */
public final class CallerFiles implements CallerFs {

    /** A thread's reusable statx buffer and open_how. */
    private static final class Buffers {
        final Pointer stat = Linux.allocate(Statx.SIZE);
        final OpenHow openHow = new OpenHow();
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private final CallerIdentity identity;
    private final DeviceReplicas replicas;
    private final Buffers buffers = BUFFERS.get();

    CallerFiles(CallerIdentity identity, DeviceReplicas replicas) {
        this.identity = identity;
        this.replicas = replicas;
    }

    /** @return the identity this thread is switched to */
    CallerIdentity identity() {
        return identity;
    }

    /** @return a path opened without crossing /proc magic links, from the caller's cwd */
    int open(byte[] path, int flags) throws LinuxException {
        return buffers.openHow.open(Linux.AT_FDCWD, Linux.cPath(path), flags, Linux.RESOLVE_NO_MAGICLINKS);
    }

    /** The parent directory of a path, opened without crossing /proc magic links. */
    int openParent(byte[] path, int slash) throws LinuxException {
        String parent = slash < 0 ? "." : slash == 0 ? "/" : new String(path, 0, slash,
                StandardCharsets.ISO_8859_1);
        return open(parent.getBytes(StandardCharsets.ISO_8859_1), Linux.O_PATH | Linux.O_DIRECTORY);
    }

    static int lastSlash(byte[] path) {
        for (int i = path.length - 1; i >= 0; i--) {
            if (path[i] == '/') {
                return i;
            }
        }
        return -1;
    }

    static byte[] leaf(byte[] path, int slash) {
        byte[] leaf = new byte[path.length - slash - 1];
        System.arraycopy(path, slash + 1, leaf, 0, leaf.length);
        return Linux.cPath(leaf);
    }

    static byte[] bytes(String path) throws SyscallException {
        if (path.isEmpty()) {
            throw new SyscallException(Errno.ENOENT, "empty path");
        }
        return path.getBytes(StandardCharsets.UTF_8);
    }

    /** @return what {@code fd} refers to, in this thread's buffer */
    FileStat stat(int fd) throws LinuxException {
        return Statx.stat(fd, buffers.stat);
    }

    @Override
    public void mknod(String path, int mode, int major, int minor) throws SyscallException {
        identity.checkSwitched();
        byte[] p = bytes(path);
        long dev = makedev(major, minor);
        int parent = -1;
        try {
            if (p[p.length - 1] == '/') {
                // A trailing slash never creates a node: let the kernel give its own errno.
                FileCalls.mknodat(Linux.AT_FDCWD, Linux.cPath(p), mode, dev);
                return;
            }
            int slash = lastSlash(p);
            parent = openParent(p, slash);
            FileCalls.mknodat(parent, leaf(p, slash), mode, dev);
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(parent);
        }
    }

    /** Opens the node itself (never following a final symlink) and checks it is that device. */
    int openNode(byte[] p, int type, int major, int minor) throws LinuxException, SyscallException {
        int slash = lastSlash(p);
        int parent = openParent(p, slash);
        try {
            int node = Linux.openat(parent, leaf(p, slash), Linux.O_PATH | Linux.O_NOFOLLOW);
            FileStat stat = stat(node);
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
        identity.checkSwitched();
        int node = -1;
        int opened = -1;
        long saved = identity.effective();
        try {
            node = openNode(bytes(path), FileStat.S_IFCHR, major, minor);
            // Only the filesystem's own refusal (SB_I_NODEV → EACCES) can fail the reopen.
            opened = identity.reopen(node, Linux.O_RDONLY | Linux.O_NONBLOCK | Linux.O_NOCTTY);
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
            identity.restoreEffective(saved);
        }
    }

    @Override
    public void mountUsableNode(String path, int major, int minor) throws SyscallException {
        mountUsableNode(path, FileStat.S_IFCHR, major, minor);
    }

    /** See {@link DeviceReplicas#mountUsableNode}, not kept in the store. */
    public void mountUsableNode(String path, int type, int major, int minor) throws SyscallException {
        mountUsableNode(path, type, major, minor, false);
    }

    /** See {@link DeviceReplicas#mountUsableNode}. */
    public String mountUsableNode(String path, int type, int major, int minor, boolean keep) throws SyscallException {
        identity.checkSwitched();
        return replicas.mountUsableNode(identity, this, path, type, major, minor, keep);
    }

    /** Removes the node at {@code path} if it is still that device; quietly does nothing otherwise. */
    void removeNode(String path, int type, int major, int minor) {
        int node = -1;
        try {
            byte[] p = bytes(path);
            node = openNode(p, type, major, minor); // checks it is that device
            int slash = lastSlash(p);
            int parent = openParent(p, slash);
            try {
                FileCalls.unlinkat(parent, leaf(p, slash));
            } finally {
                Linux.close(parent);
            }
        } catch (SyscallException | LinuxException e) {
            // nothing there to remove, or not ours
        } finally {
            Linux.close(node);
        }
    }

    @Override
    public void setxattr(String path, boolean followSymlinks, String name, byte[] value, int flags,
            Predicate<FileStat> mayModify) throws SyscallException {
        identity.checkSwitched();
        int node = -1;
        int opened = -1;
        long saved = identity.effective();
        try {
            node = open(bytes(path), Linux.O_PATH | (followSymlinks ? 0 : Linux.O_NOFOLLOW));
            FileStat found = stat(node);
            int type = found.mode() & FileStat.S_IFMT;
            if (type != FileStat.S_IFDIR && type != FileStat.S_IFREG) {
                throw new SyscallException(Errno.EPERM, "setxattr only on directories and regular files");
            }
            if (!mayModify.test(found)) {
                throw new SyscallException(Errno.EPERM, "the caller may not modify this file");
            }
            // An O_PATH fd takes no xattrs: reopen that very inode (reading a directory or regular
            // file has no side effects); only the checks above decide.
            opened = identity.reopen(node, Linux.O_RDONLY | Linux.O_NONBLOCK
                    | (type == FileStat.S_IFDIR ? Linux.O_DIRECTORY : 0));
            if (opened < 0) {
                throw new LinuxException("reopen", -opened);
            }
            FileCalls.fsetxattr(opened, name, value, flags);
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(opened);
            Linux.close(node);
            identity.restoreEffective(saved);
        }
    }

    @Override
    public FileStat stat(String path, boolean followSymlinks) throws SyscallException {
        identity.checkSwitched();
        try {
            return Statx.stat(Linux.AT_FDCWD, Linux.cPath(bytes(path)),
                    followSymlinks ? 0 : Linux.AT_SYMLINK_NOFOLLOW, buffers.stat);
        } catch (LinuxException e) {
            throw e.toSyscallException();
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
