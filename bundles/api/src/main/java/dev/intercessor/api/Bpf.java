package dev.intercessor.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The supervisor's own {@code bpf(2)}, for handlers that load or attach programs on a caller's
 * behalf: a service the core registers. It loads programs with only the capabilities the kernel
 * asks of the program type (CAP_BPF, and CAP_NET_ADMIN for device programs), never CAP_PERFMON or
 * CAP_SYS_ADMIN, so the verifier applies its unprivileged rules; everything else it does with the
 * supervisor's privileges. Deciding whether the caller deserves it is the handler's job.
 */
@ProviderType
public interface Bpf {

    /** {@code BPF_PROG_TYPE_CGROUP_DEVICE} */
    int PROG_TYPE_CGROUP_DEVICE = 15;
    /** {@code BPF_CGROUP_DEVICE} */
    int CGROUP_DEVICE = 6;
    /** {@code BPF_F_ALLOW_OVERRIDE} */
    int F_ALLOW_OVERRIDE = 1;
    /** {@code BPF_F_ALLOW_MULTI} */
    int F_ALLOW_MULTI = 2;
    /** {@code BPF_F_REPLACE} */
    int F_REPLACE = 4;

    /**
     * A program to load.
     *
     * @param type         {@code BPF_PROG_TYPE_*}
     * @param instructions {@code struct bpf_insn}s, 8 bytes each
     * @param license      e.g. {@code GPL}
     * @param logLevel     the verifier's log level (0: no log)
     * @param logSize      the verifier log buffer's size (0 with level 0)
     * @param name         the program's name (at most 15 bytes kept)
     */
    record Program(int type, byte[] instructions, String license, int logLevel, int logSize, String name) {
    }

    /**
     * What loading gave.
     *
     * @param fd    the program's descriptor, the handler's (e.g. for {@link Response#injectFd}),
     *              or -1
     * @param errno the kernel's error when {@code fd} is -1
     * @param log   the verifier log, without its terminating NUL (empty without a log)
     */
    record Loaded(int fd, int errno, byte[] log) {
    }

    /** Loads a program ({@code BPF_PROG_LOAD}), its kernel memory charged to the supervisor. */
    Loaded load(Program program);

    /**
     * Loads a program as {@link #load(Program)} does, its kernel memory charged to the memory
     * cgroup {@code memory}: the loading thread joins it for the call.
     *
     * @param memory a cgroup v1 memory cgroup (cgroup v2 moves only whole processes)
     * @return as {@link #load(Program)}; also {@code fd} -1 with the errno of joining the cgroup
     * @throws IllegalArgumentException if {@code memory} is not a cgroup v1 directory
     * @since 1.2
     */
    Loaded load(Program program, CgroupDirectory memory);

    /** Closes a program descriptor {@link #load} gave that will not be injected after all. */
    void close(int fd);

    /**
     * @param fd a program descriptor {@link #load} gave
     * @return the kernel's id of that program ({@code BPF_OBJ_GET_INFO_BY_FD})
     * @since 1.2
     */
    int programId(int fd) throws SyscallException;

    /**
     * @param id a program id from {@link #programId}
     * @return whether that program is still loaded, i.e. something holds it: an fd, an attachment,
     *         a pin ({@code BPF_PROG_GET_FD_BY_ID} finds it); ids are allocated cyclically up to
     *         {@code INT_MAX}, so a freed id does not come back soon
     * @since 1.2
     */
    boolean isLoaded(int id);

    /** {@code BPF_PROG_ATTACH} of {@code programFd} to {@code targetFd}; the kernel's errno if refused. */
    void attach(int targetFd, int programFd, int attachType, int flags) throws SyscallException;

    /** {@code BPF_PROG_DETACH}; the kernel's errno if refused. */
    void detach(int targetFd, int programFd, int attachType) throws SyscallException;
}
