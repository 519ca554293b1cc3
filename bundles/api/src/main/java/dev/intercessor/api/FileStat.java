package dev.intercessor.api;

/**
 * What {@code stat(2)} reports about a file.
 *
 * @param mode  type and permission bits
 * @param uid   owner, as a host id
 * @param gid   group, as a host id
 * @param major device major, for device nodes
 * @param minor device minor, for device nodes
 * @param size  size in bytes
 */
public record FileStat(int mode, int uid, int gid, int major, int minor, long size) {

    public static final int S_IFMT = 0170000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;

    /** @return whether this is a character device */
    public boolean isCharDevice() {
        return (mode & S_IFMT) == S_IFCHR;
    }
}
