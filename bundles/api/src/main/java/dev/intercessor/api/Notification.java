package dev.intercessor.api;

import org.osgi.annotation.versioning.ProviderType;

/** One trapped system call, as the kernel reported it ({@code struct seccomp_notif}). */
@ProviderType
public interface Notification {

    /** @return the kernel's cookie for this notification */
    long id();

    /** @return the calling thread's id in the supervisor's (the host's) pid namespace */
    int pid();

    /**
     * @return the caller's architecture, by libseccomp's name: {@code x86_64} or {@code aarch64}
     *         for a 64-bit program; {@code x86} (i386) or {@code x32} on an x86_64 host, {@code arm}
     *         on an aarch64 host, for a program of a compat ABI. Its structs may differ from the
     *         64-bit ones: a handler that reads or writes memory declines an architecture it does
     *         not know ({@link Response#continueSyscall()}).
     */
    String arch();

    /** @return the syscall number on {@link #arch()}, as the kernel reports it (x32: with {@code __X32_SYSCALL_BIT}) */
    int nr();

    /**
     * @return the syscall's name, e.g. {@code mknodat}; for a number no table names, which a handler
     *         serves as {@code <arch>:<number>} ({@link SyscallHandler#SYSCALLS}), that spelling,
     *         e.g. {@code x86_64:1000}
     */
    String syscall();

    /**
     * @param index 0 to 5
     * @return the argument register, as the call reads it: for a 32-bit {@link #arch()} its low 32
     *         bits, zero-extended (an {@code int} argument is {@code (int) arg(i)})
     */
    long arg(int index);

    /** @return the caller's instruction pointer */
    long instructionPointer();

    /** @return the id of the container the caller belongs to */
    String containerId();
}
