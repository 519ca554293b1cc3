package dev.intercessor.core.internal.linux;

import jnr.ffi.Struct;

/**
 * {@code struct loop_info64} ({@code include/uapi/linux/loop.h}): a loop device's status, read and
 * written by {@code LOOP_GET_STATUS64} / {@code LOOP_SET_STATUS64}, and the tail of
 * {@code struct loop_config}. 232 bytes, the same on every architecture.
 */
final class LoopInfo64 extends Struct {

    static final int SIZE = 232;

    final Unsigned64 device = new Unsigned64();
    final Unsigned64 inode = new Unsigned64();
    final Unsigned64 rdevice = new Unsigned64();
    final Unsigned64 offset = new Unsigned64();
    final Unsigned64 sizeLimit = new Unsigned64();
    final Unsigned32 number = new Unsigned32();
    final Unsigned32 encryptType = new Unsigned32();
    final Unsigned32 encryptKeySize = new Unsigned32();
    /** {@code LO_FLAGS_*} */
    final Unsigned32 flags = new Unsigned32();
    final Unsigned8[] fileName = array(new Unsigned8[64]);
    final Unsigned8[] cryptName = array(new Unsigned8[64]);
    final Unsigned8[] encryptKey = array(new Unsigned8[32]);
    final Unsigned64[] init = array(new Unsigned64[2]);

    /** A view without memory of its own: for {@link LoopConfig}'s inner one. */
    LoopInfo64() {
        super(Linux.runtime());
    }

    /** @return a zeroed one in native memory */
    static LoopInfo64 allocate() {
        LoopInfo64 info = new LoopInfo64();
        info.useMemory(Linux.allocate(SIZE));
        return info;
    }

    /** @return one holding the caller's bytes (its first {@link #SIZE}) */
    static LoopInfo64 of(byte[] callers) {
        LoopInfo64 info = allocate();
        Struct.getMemory(info).put(0, callers, 0, SIZE);
        return info;
    }
}
