package dev.intercessor.core.internal.linux;

import dev.intercessor.api.Errno;
import jnr.ffi.Struct;

/**
 * {@code PROCMAP_QUERY} (Linux 6.11): the mapping at an address, asked of a
 * {@code /proc/<pid>/maps} fd with {@code struct procmap_query} (include/uapi/linux/fs.h).
 */
final class ProcmapQuery extends Struct {

    static final int SIZE = 104;
    private static final long REQUEST = 0xc0000000L | ((long) SIZE << 16) | ('f' << 8) | 17;
    private static final long VMA_WRITABLE = 0x02;

    final Unsigned64 size = new Unsigned64();
    final Unsigned64 queryFlags = new Unsigned64();
    final Unsigned64 queryAddr = new Unsigned64();
    final Unsigned64 vmaStart = new Unsigned64();
    final Unsigned64 vmaEnd = new Unsigned64();
    /** vma_flags, vma_page_size, vma_offset, inode, dev_major/minor, vma_name_size, build_id_size, vma_name_addr, build_id_addr */
    final Padding rest = new Padding(jnr.ffi.NativeType.UCHAR, SIZE - 40);

    private final jnr.ffi.Pointer memory;

    /** @param memory at least {@value #SIZE} bytes, reused by this thread */
    ProcmapQuery(jnr.ffi.Pointer memory) {
        super(Linux.runtime());
        this.memory = memory;
        useMemory(memory);
    }

    /**
     * @return the end of the writable mapping covering {@code address}, or {@code -errno}: ENOTTY
     *         on a kernel without PROCMAP_QUERY, ENOENT if no writable mapping covers it
     */
    long writableEnd(int maps, long address) {
        Linux.zero(memory, 0, SIZE);
        size.set(SIZE);
        queryFlags.set(VMA_WRITABLE); // only a writable mapping covering the address
        queryAddr.set(address);
        if (Linux.ioctlErrnoOnFailure(maps, REQUEST, memory) < 0) { // a query changes nothing
            return -Linux.errno();
        }
        return vmaEnd.longValue();
    }

    static boolean missing(long result) {
        return result == -Errno.ENOTTY;
    }
}
