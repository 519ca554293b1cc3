package dev.intercessor.admin;

import java.time.Instant;

/**
 * One answered trapped call.
 *
 * @param time        when it was answered
 * @param containerId the caller's container
 * @param pid         the caller's host tid
 * @param arch        {@code x86_64}, {@code aarch64}, {@code x86}, … (libseccomp's names)
 * @param syscall     the syscall name
 * @param arguments   the arguments decoded as far as the core knows the syscall, with the strings
 *                    and buffers as the handler read them, e.g.
 *                    {@code AT_FDCWD, "/dev/null", S_IFCHR|0666, makedev(1, 3)}
 * @param handler     the handler that decided, or {@code null} for a plain "continue"
 * @param decision    how it was answered
 * @param errno       the errno of a refused call (0 otherwise)
 * @param errnoName   its name, e.g. {@code EPERM} (empty otherwise)
 * @param value       the result of an emulated call
 * @param nanos       from receiving the notification to answering it; -1 if not timed (plain
 *                    "continue"s are timed one in 16)
 */
public record CallRecord(Instant time, String containerId, int pid, String arch, String syscall,
        String arguments, String handler, Decision decision, int errno, String errnoName, long value,
        long nanos) {

    /**
     * @return the call strace-like, e.g.
     *         {@code abc123 4711 mknodat(AT_FDCWD, "/dev/null", S_IFCHR|0666, makedev(1, 3)) = 0 [mknod, emulated, 41µs]}
     */
    @Override
    public String toString() {
        String result = switch (decision) {
            case CONTINUED -> "?";
            case EMULATED -> Long.toString(value);
            case REFUSED -> "-1 " + errnoName;
        };
        return containerId + " " + pid + " " + syscall + "(" + arguments + ") = " + result + " ["
                + (handler == null ? "" : handler + ", ") + decision.name().toLowerCase(java.util.Locale.ROOT)
                + (nanos < 0 ? "" : ", " + micros(nanos)) + "]";
    }

    private static String micros(long nanos) {
        return nanos < 10_000 ? String.format(java.util.Locale.ROOT, "%.1fµs", nanos / 1000.0)
                : (nanos / 1000) + "µs";
    }
}
