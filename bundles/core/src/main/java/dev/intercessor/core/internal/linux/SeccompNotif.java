package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * One {@code struct seccomp_notif} as received, decoded once; nothing reads the kernel's buffer
 * after {@link Seccomp#receive}. One small object per call and no array: the fast path
 * ("continue") reads only the id, number and architecture.
 *
 * @param id   the kernel's cookie for the call (unique per filter, counts up)
 * @param pid  the caller's thread id in the supervisor's pid namespace (0 if it has none there)
 * @param nr   the system call number, in the table of {@code arch}
 * @param arch the {@code AUDIT_ARCH_*} value the call was made with
 * @param ip   the caller's instruction pointer
 * @param arg0 the first argument register, as the kernel reported it (up to {@code arg5})
 */
public record SeccompNotif(long id, int pid, int nr, int arch, long ip, long arg0, long arg1, long arg2, long arg3,
        long arg4, long arg5) {

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
        return new SeccompNotif(notif.getLong(ID), notif.getInt(PID), notif.getInt(NR), notif.getInt(ARCH),
                notif.getLong(IP), notif.getLong(ARGS), notif.getLong(ARGS + 8), notif.getLong(ARGS + 16),
                notif.getLong(ARGS + 24), notif.getLong(ARGS + 32), notif.getLong(ARGS + 40));
    }

    /** @return a call with these registers and nothing else (for tests) */
    public static SeccompNotif of(long id, int pid, int nr, int arch, long... args) {
        long[] a = java.util.Arrays.copyOf(args, 6);
        return new SeccompNotif(id, pid, nr, arch, 0, a[0], a[1], a[2], a[3], a[4], a[5]);
    }

    /** @return argument register {@code index} (0 to 5), as the kernel reported it */
    public long arg(int index) {
        return switch (index) {
            case 0 -> arg0;
            case 1 -> arg1;
            case 2 -> arg2;
            case 3 -> arg3;
            case 4 -> arg4;
            case 5 -> arg5;
            default -> throw new IndexOutOfBoundsException(index);
        };
    }

    /** @return the six argument registers, a new array */
    public long[] args() {
        return new long[] {arg0, arg1, arg2, arg3, arg4, arg5};
    }
}
