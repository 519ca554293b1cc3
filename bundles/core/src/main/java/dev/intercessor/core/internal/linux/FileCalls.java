package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * File system calls on descriptors and names below them that {@link Linux} does not wrap, and the
 * per-thread fs identity ({@code setfsuid}, {@code setfsgid}, {@code umask}), each as the kernel
 * has it; a failure is a {@link LinuxException} with errno unless said otherwise.
 */
final class FileCalls {

    private FileCalls() {
    }

    static void mknodat(int dirfd, byte[] cPath, int mode, long dev) throws LinuxException {
        Linux.check("mknodat", Linux.libc().mknodat(dirfd, cPath, mode, dev));
    }

    static void fchownat(int dirfd, byte[] cPath, int uid, int gid, int flags) throws LinuxException {
        Linux.check("fchownat", Linux.libc().fchownat(dirfd, cPath, uid, gid, flags));
    }

    static void fchmodat(int dirfd, byte[] cPath, int mode) throws LinuxException {
        Linux.check("fchmodat", Linux.libc().fchmodat(dirfd, cPath, mode, 0));
    }

    /** @return whether the name was removed */
    static boolean unlinkat(int dirfd, byte[] cPath) {
        return Linux.libc().unlinkat(dirfd, cPath, 0) == 0;
    }

    static void fsetxattr(int fd, String name, byte[] value, int flags) throws LinuxException {
        byte[] v = value.length == 0 ? new byte[1] : value;
        Linux.check("fsetxattr", Linux.libc().fsetxattr(fd, Linux.cPath(name), v, value.length, flags));
    }

    /** @return the descriptor opened, or {@code -errno} (read before anything can overwrite it) */
    static int openatOrErrno(int dirfd, String path, int flags) {
        int fd = Linux.libc().openat(dirfd, Linux.cPath(path), flags | Linux.O_CLOEXEC, 0);
        return fd >= 0 ? fd : -Linux.errno();
    }

    /** @return bytes read at {@code offset}, 0 at the end, or {@code -errno} */
    static long pread(int fd, Pointer into, long count, long offset) {
        long n = Linux.libc().pread64(fd, into, count, offset);
        return n >= 0 ? n : -Linux.errno();
    }

    /** @return bytes written at {@code offset}, or -1 (errno not kept: for a caller that does not need it) */
    static long pwriteUnsaved(int fd, Pointer from, long count, long offset) {
        return Linux.unsaved().pwrite64(fd, from, count, offset);
    }

    /** Writes all of {@code data} (a small control file's text) in one write. */
    static void write(int fd, byte[] data, String what) throws LinuxException {
        Pointer buffer = Linux.allocate(Math.max(1, data.length));
        buffer.put(0, data, 0, data.length);
        Linux.check("write " + what, Linux.libc().write(fd, buffer, data.length));
    }

    /** @return the thread's previous fsuid; {@code -1} changes nothing (and so reads it) */
    static int setfsuid(int uid) {
        return Linux.libc().setfsuid(uid);
    }

    /** @return the thread's previous fsgid; {@code -1} changes nothing (and so reads it) */
    static int setfsgid(int gid) {
        return Linux.libc().setfsgid(gid);
    }

    /** @return the previous umask of the thread's fs_struct */
    static int umask(int mask) {
        return Linux.libc().umask(mask);
    }
}
