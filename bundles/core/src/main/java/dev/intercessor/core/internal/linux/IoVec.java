package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/** {@code struct iovec} ({@code include/uapi/linux/uio.h}): base address and length; 16 bytes on a 64-bit host. */
final class IoVec {

    static final int SIZE = 16;
    static final int BASE = 0;
    static final int LENGTH = 8;

    private IoVec() {
    }

    static void put(Pointer iov, Pointer base, long length) {
        iov.putAddress(BASE, base.address());
        iov.putLong(LENGTH, length);
    }
}
