package dev.intercessor.core.internal.linux;

import dev.intercessor.api.FileStat;
import jnr.ffi.Pointer;

/** {@code statx(2)} into a reusable buffer; {@code struct statx} has one layout everywhere. */
final class Statx {

    private static final int STATX_BASIC_STATS = 0x7ff;
    static final int SIZE = 256;

    private Statx() {
    }

    static FileStat stat(int dirfd, byte[] cPath, int flags, Pointer buffer) throws LinuxException {
        Linux.check("statx", Linux.libc().statx(dirfd, cPath, flags, STATX_BASIC_STATS, buffer));
        return new FileStat(
                Short.toUnsignedInt(buffer.getShort(28)),
                buffer.getInt(20),
                buffer.getInt(24),
                buffer.getInt(128),
                buffer.getInt(132),
                buffer.getLong(40));
    }

    private static final byte[] EMPTY = Linux.cPath("");

    /** @return what {@code fd} refers to ({@code AT_EMPTY_PATH}) */
    static FileStat stat(int fd, Pointer buffer) throws LinuxException {
        return stat(fd, EMPTY, Linux.AT_EMPTY_PATH | Linux.AT_SYMLINK_NOFOLLOW, buffer);
    }
}
