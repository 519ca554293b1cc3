package dev.intercessor.core.internal.linux;

import jnr.ffi.Struct;

/**
 * {@code struct sockaddr_un} ({@code include/uapi/linux/un.h}): {@code sa_family_t sun_family}
 * and {@code char sun_path[108]}; 110 bytes.
 */
final class SockaddrUn extends Struct {

    static final int PATH_MAX = 108;

    final Unsigned16 family = new Unsigned16();
    final Unsigned8[] path = array(new Unsigned8[PATH_MAX]);

    private SockaddrUn() {
        super(Linux.runtime());
    }

    /** @return an {@code AF_UNIX} address of {@code name} (shorter than {@link #PATH_MAX}; zero-filled after it) */
    static SockaddrUn of(byte[] name) {
        SockaddrUn address = new SockaddrUn();
        address.useMemory(Linux.allocate(Struct.size(address)));
        address.family.set(Linux.AF_UNIX);
        address.memory().put(address.path[0].offset(), name, 0, name.length);
        return address;
    }

    /**
     * @return the address length to pass with a name of {@code nameLength} bytes: a path counts its
     *         terminating NUL, an abstract name (first byte 0) exactly its bytes
     */
    int length(int nameLength, boolean abstractName) {
        return (int) path[0].offset() + nameLength + (abstractName ? 0 : 1);
    }

    jnr.ffi.Pointer memory() {
        return Struct.getMemory(this);
    }
}
