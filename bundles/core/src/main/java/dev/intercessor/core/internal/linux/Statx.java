package dev.intercessor.core.internal.linux;

import dev.intercessor.api.FileStat;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/** {@code statx(2)} into a reusable buffer; {@code struct statx} has one layout everywhere. */
final class Statx {

    private static final int STATX_BASIC_STATS = 0x7ff;
    static final int SIZE = 256;

    /** {@code struct statx} (include/uapi/linux/stat.h): the fields read here, at their offsets. */
    static final class Layout extends Struct {
        final Unsigned32 mask = new Unsigned32();
        final Unsigned32 blksize = new Unsigned32();
        final Unsigned64 attributes = new Unsigned64();
        final Unsigned32 nlink = new Unsigned32();
        final Unsigned32 uid = new Unsigned32();
        final Unsigned32 gid = new Unsigned32();
        final Unsigned16 mode = new Unsigned16();
        final Padding spare0 = new Padding(jnr.ffi.NativeType.USHORT, 1);
        final Unsigned64 ino = new Unsigned64();
        final Unsigned64 size = new Unsigned64();
        final Unsigned64 blocks = new Unsigned64();
        final Unsigned64 attributesMask = new Unsigned64();
        /** atime, btime, ctime, mtime: struct statx_timestamp {s64 sec; u32 nsec; s32 reserved}. */
        final Padding timestamps = new Padding(jnr.ffi.NativeType.UCHAR, 4 * 16);
        final Unsigned32 rdevMajor = new Unsigned32();
        final Unsigned32 rdevMinor = new Unsigned32();
        final Unsigned32 devMajor = new Unsigned32();
        final Unsigned32 devMinor = new Unsigned32();
        /** stx_mnt_id and what later kernels added, up to the struct's fixed 256 bytes. */
        final Padding rest = new Padding(jnr.ffi.NativeType.UCHAR, SIZE - 144);

        Layout() {
            super(Linux.runtime());
        }
    }

    private Statx() {
    }

    static FileStat stat(int dirfd, byte[] cPath, int flags, Pointer buffer) throws LinuxException {
        Linux.check("statx", Linux.libc().statx(dirfd, cPath, flags, STATX_BASIC_STATS, buffer));
        Layout stx = new Layout();
        stx.useMemory(buffer);
        return new FileStat(stx.mode.intValue(), (int) stx.uid.get(), (int) stx.gid.get(),
                (int) stx.rdevMajor.get(), (int) stx.rdevMinor.get(), stx.size.longValue());
    }

    private static final byte[] EMPTY = Linux.cPath("");

    /** @return what {@code fd} refers to ({@code AT_EMPTY_PATH}) */
    static FileStat stat(int fd, Pointer buffer) throws LinuxException {
        return stat(fd, EMPTY, Linux.AT_EMPTY_PATH | Linux.AT_SYMLINK_NOFOLLOW, buffer);
    }
}
