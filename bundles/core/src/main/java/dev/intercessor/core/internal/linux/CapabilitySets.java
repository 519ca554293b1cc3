package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * The calling thread's capability sets, read and written with {@code capget(2)}/{@code capset(2)}
 * in {@code _LINUX_CAPABILITY_VERSION_3}: 64 capabilities as two 32-bit words per set. Both calls
 * act on the calling thread only (pid 0). One instance per user; its native memory is reused.
 */
final class CapabilitySets {

    static final int VERSION_3 = 0x20080522;

    /** {@code struct __user_cap_header_struct} (include/uapi/linux/capability.h). */
    static final class Header extends Struct {
        final Unsigned32 version = new Unsigned32();
        final Signed32 pid = new Signed32();

        Header() {
            super(Linux.runtime());
        }
    }

    /**
     * Version 3's two {@code struct __user_cap_data_struct} in a row: capabilities 0-31, then
     * 32-63, each {effective, permitted, inheritable}.
     */
    static final class Data extends Struct {
        final Unsigned32 effectiveLow = new Unsigned32();
        final Unsigned32 permittedLow = new Unsigned32();
        final Unsigned32 inheritableLow = new Unsigned32();
        final Unsigned32 effectiveHigh = new Unsigned32();
        final Unsigned32 permittedHigh = new Unsigned32();
        final Unsigned32 inheritableHigh = new Unsigned32();

        Data() {
            super(Linux.runtime());
        }
    }

    /** A thread's three sets, one bit per capability number. */
    record Sets(long effective, long permitted, long inheritable) {
        Sets withEffective(long mask) {
            return new Sets(mask, permitted, inheritable);
        }
    }

    private final Header header = new Header();
    private final Data data = new Data();
    private final Pointer headerMemory = Linux.allocate(Struct.size(header));
    private final Pointer dataMemory = Linux.allocate(Struct.size(data));

    CapabilitySets() {
        header.useMemory(headerMemory);
        data.useMemory(dataMemory);
    }

    private void thisThread() {
        // Set again before every call: capset may rewrite the version on failure.
        header.version.set(VERSION_3);
        header.pid.set(0);
    }

    /** @return the calling thread's sets */
    Sets read() throws LinuxException {
        thisThread();
        Linux.check("capget", Linux.libc().capget(headerMemory, dataMemory));
        return new Sets(join(data.effectiveLow, data.effectiveHigh), join(data.permittedLow, data.permittedHigh),
                join(data.inheritableLow, data.inheritableHigh));
    }

    /** Makes {@code sets} the calling thread's. */
    void write(Sets sets) throws LinuxException {
        thisThread();
        data.effectiveLow.set(sets.effective() & 0xffffffffL);
        data.effectiveHigh.set(sets.effective() >>> 32);
        data.permittedLow.set(sets.permitted() & 0xffffffffL);
        data.permittedHigh.set(sets.permitted() >>> 32);
        data.inheritableLow.set(sets.inheritable() & 0xffffffffL);
        data.inheritableHigh.set(sets.inheritable() >>> 32);
        Linux.check("capset", Linux.libc().capset(headerMemory, dataMemory));
    }

    private static long join(Struct.Unsigned32 low, Struct.Unsigned32 high) {
        return low.get() | high.get() << 32;
    }
}
