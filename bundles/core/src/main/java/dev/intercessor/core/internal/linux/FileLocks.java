package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * flock(2) on a file of the supervisor's own. The lock belongs to the open file, not to the
 * process (as a POSIX lock would), so opening and closing the same file elsewhere meanwhile does
 * not drop it; the kernel drops it when the holder's fd is closed, or its process ends.
 */
public final class FileLocks {

    private static final int O_CREAT = 0100;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int EWOULDBLOCK = Linux.EAGAIN;

    private FileLocks() {
    }

    /**
     * Opens {@code path} (made 0600 if missing) and locks it exclusively, without waiting.
     *
     * @return the fd that holds the lock, or -1 if another open file holds it
     */
    public static int lockExclusive(String path) throws LinuxException {
        int fd = Linux.check("open " + path,
                Linux.libc().openat(Linux.AT_FDCWD, Linux.cPath(path), O_CREAT | Linux.O_RDWR | Linux.O_CLOEXEC, 0600));
        if (Linux.libc().flock(fd, LOCK_EX | LOCK_NB) == 0) {
            return fd;
        }
        int errno = Linux.errno();
        Linux.close(fd);
        if (errno == EWOULDBLOCK) {
            return -1;
        }
        throw new LinuxException("flock " + path, errno);
    }

    /** Writes {@code data} at the start of the locked file (one write, whole). */
    public static void write(int fd, byte[] data) throws LinuxException {
        Pointer buffer = Linux.allocate(Math.max(1, data.length));
        buffer.put(0, data, 0, data.length);
        long n = Linux.libc().pwrite64(fd, buffer, data.length, 0);
        if (n != data.length) {
            throw new LinuxException("write lock file", n < 0 ? Linux.errno() : Linux.EAGAIN);
        }
    }
}
