package dev.intercessor.core.internal.dispatch;

/**
 * A syscall number no table names, which a handler serves as {@code <arch>:<number>} in
 * {@code intercessor.syscalls} (e.g. {@code x86_64:1000}): a call the container and its handler
 * agree on, which the kernel itself answers with {@code ENOSYS}.
 *
 * @param arch the architecture's table
 * @param nr   the number as in {@code seccomp_data.nr} (x32: with {@code __X32_SYSCALL_BIT})
 */
public record UserDefinedSyscall(SyscallTable arch, int nr) {

    /** @return whether {@code entry} is spelt as a number ({@code <arch>:<number>}) rather than a name */
    public static boolean isNumbered(String entry) {
        return entry.indexOf(':') >= 0;
    }

    /**
     * @param entry {@code <arch>:<decimal number>}, the architecture by libseccomp's name as in
     *              the tables ({@code x86_64}, {@code x86}, {@code x32}, {@code aarch64}, …)
     * @throws IllegalArgumentException saying what is wrong with it. A number the architecture's
     *         table names is refused rather than normalised to its name: a handler that serves
     *         {@code write} should say so, and {@code x86_64:1} would serve it on one architecture
     *         only, unlike the name, behind a number that reads as a private one.
     */
    public static UserDefinedSyscall parse(String entry) {
        int colon = entry.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(entry + ": not <arch>:<number>");
        }
        String archName = entry.substring(0, colon);
        String number = entry.substring(colon + 1);
        SyscallTable arch = SyscallTable.named(archName);
        if (arch == null) {
            throw new IllegalArgumentException(entry + ": no architecture " + archName + " (known: "
                    + String.join(", ", java.util.Arrays.stream(SyscallTable.all()).map(SyscallTable::name).toList()) + ")");
        }
        if (!number.matches("[0-9]{1,10}")) {
            throw new IllegalArgumentException(entry + ": " + number + " is not a decimal number");
        }
        long nr = Long.parseLong(number);
        if (nr > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(entry + ": numbers are below 2^31 (seccomp_data.nr is an int "
                    + "and a negative one is no syscall)");
        }
        int n = (int) nr;
        if (arch == SyscallTable.X86_64 && (n & SyscallTable.X32_SYSCALL_BIT) != 0) {
            throw new IllegalArgumentException(entry + ": the number carries __X32_SYSCALL_BIT (0x40000000), so "
                    + "an x32 caller makes it: name it x32:" + n);
        }
        if (arch == SyscallTable.X32 && (n & SyscallTable.X32_SYSCALL_BIT) == 0) {
            throw new IllegalArgumentException(entry + ": x32 calls carry __X32_SYSCALL_BIT (0x40000000): "
                    + "x32:" + (n | SyscallTable.X32_SYSCALL_BIT) + ", or x86_64:" + n + " for a 64-bit caller");
        }
        if (n < arch.lowest()) {
            // The ABIs sharing one AUDIT_ARCH (mips o32/n32/n64) each start at their own base.
            throw new IllegalArgumentException(entry + ": " + arch.name() + " numbers start at " + arch.lowest());
        }
        if (arch.slot(n) >= 0) {
            throw new IllegalArgumentException(entry + " is " + arch.name(n) + " on " + arch.name()
                    + ": serve it by that name");
        }
        return new UserDefinedSyscall(arch, n);
    }

    /** @return a key for maps: architecture index and number */
    long key() {
        return key(arch, nr);
    }

    static long key(SyscallTable arch, int nr) {
        return ((long) arch.index() << 32) | (nr & 0xffffffffL);
    }

    @Override
    public String toString() {
        return arch.name() + ":" + nr;
    }
}
