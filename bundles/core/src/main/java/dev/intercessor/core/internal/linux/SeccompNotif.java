package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * One {@code struct seccomp_notif} as received, decoded once; nothing reads the kernel's buffer
 * after {@link Seccomp#receive}. The {@code args} array is never written after decoding.
 *
 * @param id   the kernel's cookie for the call (unique per filter, counts up)
 * @param pid  the caller's thread id in the supervisor's pid namespace (0 if it has none there)
 * @param nr   the system call number, in the table of {@code arch}
 * @param arch the {@code AUDIT_ARCH_*} value the call was made with
 * @param ip   the caller's instruction pointer
 * @param args the six argument registers, as the kernel reported them
 */
public record SeccompNotif(long id, int pid, int nr, int arch, long ip, long[] args) {

    // struct seccomp_notif (include/uapi/linux/seccomp.h): id u64, pid u32, flags u32,
    // data { nr s32, arch u32, instruction_pointer u64, args u64[6] }: 80 bytes.
    static final int ID = 0;
    static final int PID = 8;
    static final int NR = 16;
    static final int ARCH = 20;
    static final int IP = 24;
    static final int ARGS = 32;
    static final int SIZE = 80;

    /** Decodes the struct at {@code notif} (as received, or as a runtime relayed it). */
    public static SeccompNotif decode(Pointer notif) {
        long[] args = new long[6];
        notif.get(ARGS, args, 0, 6);
        return new SeccompNotif(notif.getLong(ID), notif.getInt(PID), notif.getInt(NR), notif.getInt(ARCH),
                notif.getLong(IP), args);
    }

    /** @return argument register {@code index}, as the kernel reported it */
    public long arg(int index) {
        return args[index];
    }
}
