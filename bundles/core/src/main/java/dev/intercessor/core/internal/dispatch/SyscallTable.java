package dev.intercessor.core.internal.dispatch;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Syscall names and numbers of one architecture, as the kernel reports it in
 * {@code seccomp_data.arch} (an {@code AUDIT_ARCH_*} value). Only the calls Intercessor can
 * emulate or benchmark are listed; adding an architecture is adding a table.
 */
public final class SyscallTable {

    public static final SyscallTable X86_64 = new SyscallTable("x86_64", 0xC000003E, new Object[] {
        "mknod", 133, "mknodat", 259,
        "setxattr", 188, "lsetxattr", 189, "fsetxattr", 190,
        "sysinfo", 99,
        "sched_setparam", 142, "sched_setscheduler", 144,
        "bpf", 321,
        "mount", 165, "umount2", 166,
        "init_module", 175, "finit_module", 313,
        "open_tree", 428, "move_mount", 429, "fsopen", 430, "fsconfig", 431, "fsmount", 432,
        "fspick", 433, "mount_setattr", 442,
        "getppid", 110, "getpid", 39,
    });

    /** aarch64 uses the generic table: no {@code mknod}, only {@code mknodat}. */
    public static final SyscallTable AARCH64 = new SyscallTable("aarch64", 0xC00000B7, new Object[] {
        "mknodat", 33,
        "setxattr", 5, "lsetxattr", 6, "fsetxattr", 7,
        "sysinfo", 179,
        "sched_setparam", 118, "sched_setscheduler", 119,
        "bpf", 280,
        "mount", 40, "umount2", 39,
        "init_module", 105, "finit_module", 273,
        "open_tree", 428, "move_mount", 429, "fsopen", 430, "fsconfig", 431, "fsmount", 432,
        "fspick", 433, "mount_setattr", 442,
        "getppid", 173, "getpid", 172,
    });

    private static final SyscallTable[] ALL = {X86_64, AARCH64};

    private final String name;
    private final int auditArch;
    private final int index;
    private final Map<String, Integer> numbers;
    private final String[] names;

    private static int count;

    private SyscallTable(String name, int auditArch, Object[] pairs) {
        this.name = name;
        this.auditArch = auditArch;
        this.index = count++;
        Map<String, Integer> map = new HashMap<>();
        int max = 0;
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Integer) pairs[i + 1]);
            max = Math.max(max, (Integer) pairs[i + 1]);
        }
        this.numbers = Collections.unmodifiableMap(map);
        this.names = new String[max + 1];
        map.forEach((n, nr) -> names[nr] = n);
    }

    /** @return the table for an {@code AUDIT_ARCH_*} value, or {@code null} if unsupported */
    public static SyscallTable forAuditArch(int auditArch) {
        for (SyscallTable table : ALL) {
            if (table.auditArch == auditArch) {
                return table;
            }
        }
        return null;
    }

    public static SyscallTable[] all() {
        return ALL.clone();
    }

    public String name() {
        return name;
    }

    /** @return a small dense index, for per-architecture arrays */
    public int index() {
        return index;
    }

    /** @return the number of {@code syscall} here, or -1 if this architecture has no such call */
    public int number(String syscall) {
        Integer nr = numbers.get(syscall);
        return nr == null ? -1 : nr;
    }

    /** @return the name of syscall {@code nr}, or {@code syscall_<nr>} */
    public String name(int nr) {
        String n = nr >= 0 && nr < names.length ? names[nr] : null;
        return n != null ? n : "syscall_" + nr;
    }

    /** @return one more than the largest number known */
    public int size() {
        return names.length;
    }
}
