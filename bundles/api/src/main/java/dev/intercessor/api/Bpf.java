package dev.intercessor.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The supervisor's own {@code bpf(2)}, for handlers that load or attach programs on a caller's
 * behalf: a service the core registers. It does what it is asked with the supervisor's privileges;
 * deciding whether the caller deserves it is the handler's job.
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

    /** Loads a program ({@code BPF_PROG_LOAD}). */
    Loaded load(Program program);

    /** Closes a program descriptor {@link #load} gave that will not be injected after all. */
    void close(int fd);

    /** {@code BPF_PROG_ATTACH} of {@code programFd} to {@code targetFd}; the kernel's errno if refused. */
    void attach(int targetFd, int programFd, int attachType, int flags) throws SyscallException;

    /** {@code BPF_PROG_DETACH}; the kernel's errno if refused. */
    void detach(int targetFd, int programFd, int attachType) throws SyscallException;
}
