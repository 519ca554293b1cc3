package dev.intercessor.api;

import org.osgi.annotation.versioning.ProviderType;

/** One trapped system call, as the kernel reported it ({@code struct seccomp_notif}). */
@ProviderType
public interface Notification {

    /** @return the kernel's cookie for this notification */
    long id();

    /** @return the calling thread's id in the supervisor's (the host's) pid namespace */
    int pid();

    /** @return the caller's architecture, e.g. {@code x86_64} or {@code aarch64} */
    String arch();

    /** @return the syscall number on {@link #arch()} */
    int nr();

    /** @return the syscall's name, e.g. {@code mknodat}; {@code "syscall_<nr>"} if unknown */
    String syscall();

    /**
     * @param index 0 to 5
     * @return the raw argument register
     */
    long arg(int index);

    /** @return the caller's instruction pointer */
    long instructionPointer();

    /** @return the id of the container the caller belongs to */
    String containerId();
}
