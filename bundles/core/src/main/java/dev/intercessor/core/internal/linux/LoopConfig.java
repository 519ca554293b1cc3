package dev.intercessor.core.internal.linux;

import jnr.ffi.Struct;

/**
 * {@code struct loop_config} ({@code include/uapi/linux/loop.h}), the argument of
 * {@code LOOP_CONFIGURE}: the backing fd, the block size, a {@link LoopInfo64} and 64 reserved
 * bytes that must be zero. 304 bytes on every architecture.
 */
final class LoopConfig extends Struct {

    static final int SIZE = 304;

    final Unsigned32 fd = new Unsigned32();
    final Unsigned32 blockSize = new Unsigned32();
    final LoopInfo64 info = inner(new LoopInfo64());
    final Unsigned64[] reserved = array(new Unsigned64[8]);

    private LoopConfig() {
        super(Linux.runtime());
    }

    /** @return a zeroed one in native memory */
    static LoopConfig allocate() {
        LoopConfig config = new LoopConfig();
        config.useMemory(Linux.allocate(SIZE));
        return config;
    }

    /**
     * @return one holding the caller's fd, block size and loop_info64; the reserved words stay 0
     *         whatever the caller put there
     */
    static LoopConfig of(byte[] callers) {
        LoopConfig config = allocate();
        Struct.getMemory(config).put(0, callers, 0, (int) config.reserved[0].offset());
        return config;
    }
}
