package dev.intercessor.core.internal.linux;

import jnr.ffi.Struct;

/**
 * {@code openat2(2)} with its {@code struct open_how} (include/uapi/linux/openat2.h): flags, mode
 * and resolve, each a u64. One instance per user; its native memory is reused.
 */
final class OpenHow extends Struct {

    final Unsigned64 flags = new Unsigned64();
    final Unsigned64 mode = new Unsigned64();
    final Unsigned64 resolve = new Unsigned64();

    private final jnr.ffi.Pointer memory;

    OpenHow() {
        super(Linux.runtime());
        memory = Linux.allocate(Struct.size(this));
        useMemory(memory);
    }

    /** @return a close-on-exec descriptor of {@code cPath} resolved with {@code resolve} (RESOLVE_*) */
    int open(int dirfd, byte[] cPath, int openFlags, long resolveFlags) throws LinuxException {
        flags.set((openFlags | Linux.O_CLOEXEC) & 0xffffffffL);
        mode.set(0);
        resolve.set(resolveFlags);
        jnr.ffi.Pointer path = Linux.allocate(cPath.length);
        path.put(0, cPath, 0, cPath.length);
        return (int) Linux.check("openat2", Linux.libc().syscall(Linux.SYS_OPENAT2, dirfd, path, memory.address(),
                Struct.size(this), 0));
    }
}
