package dev.intercessor.core.internal.record;

import java.util.Map;
import java.util.function.LongFunction;

import dev.intercessor.core.internal.linux.ProcTarget.MemoryRead;

/**
 * The arguments of a trapped call, strace-like, for the syscalls the core knows; pointers show the
 * string or buffer a handler read there (nothing is read for the trace itself), else the address.
 */
public final class CallFormat {

    private enum Kind {
        /** a file descriptor or a dirfd ({@code AT_FDCWD}) */
        FD,
        /** a NUL-terminated string */
        STRING,
        /** a buffer whose length is the next argument */
        BUFFER,
        /** an address, shown as such */
        POINTER,
        /** {@code S_IFCHR|0666} */
        MODE,
        /** {@code makedev(1, 3)} */
        DEV,
        INT,
        HEX,
        XATTR_FLAGS,
        SCHED_POLICY,
        BPF_CMD,
    }

    private static final Map<String, Kind[]> SIGNATURES = Map.ofEntries(
            Map.entry("mknod", kinds(Kind.STRING, Kind.MODE, Kind.DEV)),
            Map.entry("mknodat", kinds(Kind.FD, Kind.STRING, Kind.MODE, Kind.DEV)),
            Map.entry("setxattr", kinds(Kind.STRING, Kind.STRING, Kind.BUFFER, Kind.INT, Kind.XATTR_FLAGS)),
            Map.entry("lsetxattr", kinds(Kind.STRING, Kind.STRING, Kind.BUFFER, Kind.INT, Kind.XATTR_FLAGS)),
            Map.entry("fsetxattr", kinds(Kind.FD, Kind.STRING, Kind.BUFFER, Kind.INT, Kind.XATTR_FLAGS)),
            Map.entry("sysinfo", kinds(Kind.POINTER)),
            Map.entry("sched_setscheduler", kinds(Kind.INT, Kind.SCHED_POLICY, Kind.POINTER)),
            Map.entry("sched_setparam", kinds(Kind.INT, Kind.POINTER)),
            Map.entry("mount", kinds(Kind.STRING, Kind.STRING, Kind.STRING, Kind.HEX, Kind.POINTER)),
            Map.entry("umount2", kinds(Kind.STRING, Kind.HEX)),
            Map.entry("bpf", kinds(Kind.BPF_CMD, Kind.POINTER, Kind.INT)),
            Map.entry("init_module", kinds(Kind.POINTER, Kind.INT, Kind.STRING)),
            Map.entry("finit_module", kinds(Kind.FD, Kind.STRING, Kind.HEX)),
            Map.entry("getppid", kinds()),
            Map.entry("getpid", kinds()));

    private static Kind[] kinds(Kind... kinds) {
        return kinds;
    }

    /** The first {@code enum bpf_cmd} values. */
    private static final String[] BPF_CMDS = {"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM",
        "BPF_MAP_DELETE_ELEM", "BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN", "BPF_OBJ_GET",
        "BPF_PROG_ATTACH", "BPF_PROG_DETACH", "BPF_PROG_TEST_RUN", "BPF_PROG_GET_NEXT_ID",
        "BPF_MAP_GET_NEXT_ID", "BPF_PROG_GET_FD_BY_ID", "BPF_MAP_GET_FD_BY_ID", "BPF_OBJ_GET_INFO_BY_FD"};

    private CallFormat() {
    }

    /**
     * @param syscall its name; an unknown one shows all six arguments in hex
     * @param reads   what the handler read of the caller's memory, by address ({@code null}: nothing)
     */
    public static String arguments(String syscall, long[] args, LongFunction<MemoryRead> reads) {
        Kind[] kinds = SIGNATURES.get(syscall);
        StringBuilder s = new StringBuilder();
        int n = kinds == null ? args.length : kinds.length;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                s.append(", ");
            }
            Kind kind = kinds == null ? Kind.HEX : kinds[i];
            long a = args[i];
            switch (kind) {
                case FD -> s.append((int) a == -100 ? "AT_FDCWD" : Integer.toString((int) a));
                case STRING, BUFFER -> {
                    MemoryRead r = reads == null || a == 0 ? null : reads.apply(a);
                    if (r == null || (kind == Kind.STRING && !r.cString())) {
                        pointer(s, a);
                    } else {
                        quote(s, r);
                    }
                }
                case POINTER -> pointer(s, a);
                case MODE -> mode(s, (int) a);
                case DEV -> { // the kernel takes an unsigned int
                    long dev = a & 0xffffffffL;
                    s.append("makedev(").append(major(dev)).append(", ").append(minor(dev)).append(')');
                }
                case INT -> s.append((int) a);
                case HEX -> s.append("0x").append(Long.toHexString(a));
                case XATTR_FLAGS -> s.append(switch ((int) a) {
                    case 0 -> "0";
                    case 1 -> "XATTR_CREATE";
                    case 2 -> "XATTR_REPLACE";
                    default -> "0x" + Integer.toHexString((int) a);
                });
                case SCHED_POLICY -> schedPolicy(s, (int) a);
                case BPF_CMD -> {
                    int cmd = (int) a;
                    s.append(cmd >= 0 && cmd < BPF_CMDS.length ? BPF_CMDS[cmd] : Integer.toString(cmd));
                }
            }
        }
        return s.toString();
    }

    private static void pointer(StringBuilder s, long a) {
        s.append(a == 0 ? "NULL" : "0x" + Long.toHexString(a));
    }

    /** As strace does: printable ASCII as is, the rest escaped, long ones cut with "...". */
    private static void quote(StringBuilder s, MemoryRead r) {
        s.append('"');
        for (byte b : r.data()) {
            int c = b & 0xff;
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        s.append((char) c);
                    } else {
                        s.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        s.append('"');
        if (r.length() > r.data().length) {
            s.append("...");
        }
    }

    private static void mode(StringBuilder s, int mode) {
        String type = switch (mode & 0170000) {
            case 0140000 -> "S_IFSOCK|";
            case 0120000 -> "S_IFLNK|";
            case 0100000 -> "S_IFREG|";
            case 0060000 -> "S_IFBLK|";
            case 0040000 -> "S_IFDIR|";
            case 0020000 -> "S_IFCHR|";
            case 0010000 -> "S_IFIFO|";
            default -> (mode & 0170000) == 0 ? "" : "0" + Integer.toOctalString(mode & 0170000) + "|";
        };
        s.append(type).append(String.format("%04o", mode & 07777));
        if ((mode & ~0177777) != 0) {
            s.append("|0x").append(Integer.toHexString(mode & ~0177777));
        }
    }

    /** The kernel's new_decode_dev (glibc's makedev for numbers that fit 32 bits). */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    private static void schedPolicy(StringBuilder s, int policy) {
        String[] names = {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", null, "SCHED_IDLE",
            "SCHED_DEADLINE"};
        int p = policy & ~0x40000000;
        s.append(p >= 0 && p < names.length && names[p] != null ? names[p] : Integer.toString(p));
        if ((policy & 0x40000000) != 0) {
            s.append("|SCHED_RESET_ON_FORK");
        }
    }
}
