package dev.intercessor.core.internal.linux;

import jnr.ffi.Struct;

/**
 * {@code struct timeval} as {@code SO_RCVTIMEO} takes it ({@code include/uapi/linux/time.h}
 * {@code __kernel_old_timeval}): seconds and microseconds, each a {@code long}; 16 bytes on the
 * 64-bit hosts core runs on.
 */
final class Timeval extends Struct {

    final SignedLong seconds = new SignedLong();
    final SignedLong microseconds = new SignedLong();

    private Timeval() {
        super(Linux.runtime());
    }

    static Timeval ofMillis(int millis) {
        Timeval t = new Timeval();
        t.useMemory(Linux.allocate(Struct.size(t)));
        t.seconds.set(millis / 1000);
        t.microseconds.set((millis % 1000) * 1000L);
        return t;
    }

    jnr.ffi.Pointer memory() {
        return Struct.getMemory(this);
    }

    int size() {
        return Struct.size(this);
    }
}
