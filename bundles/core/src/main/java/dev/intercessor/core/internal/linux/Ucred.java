package dev.intercessor.core.internal.linux;

import jnr.ffi.Struct;

/** {@code struct ucred} ({@code include/linux/socket.h}), what {@code SO_PEERCRED} gives: 12 bytes. */
final class Ucred extends Struct {

    final Signed32 pid = new Signed32();
    final Unsigned32 uid = new Unsigned32();
    final Unsigned32 gid = new Unsigned32();

    private Ucred() {
        super(Linux.runtime());
    }

    static Ucred allocate() {
        Ucred ucred = new Ucred();
        ucred.useMemory(Linux.allocate(Struct.size(ucred)));
        return ucred;
    }

    jnr.ffi.Pointer memory() {
        return Struct.getMemory(this);
    }
}
