package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;

/**
 * Runs an action with the calling thread in another cgroup v1 memory cgroup, so that the kernel
 * memory the action allocates ({@code __GFP_ACCOUNT}, e.g. a bpf program) is charged there and
 * stays charged there after the thread has moved back.
 *
 * <p>Only cgroup v1 moves a single thread (its {@code tasks} file); in cgroup v2 memory is a
 * domain controller and only whole processes move. Sound for a thread other than the process's
 * leader: the memory cgroup's OOM killer considers only thread group leaders
 * ({@code mem_cgroup_scan_tasks} iterates with {@code CSS_TASK_ITER_PROCS}), so a charge that does
 * not fit kills one of that cgroup's own processes or fails with {@code ENOMEM}; the supervisor is
 * never the victim. A charge from a system call never waits for an OOM killer the cgroup has
 * disabled ({@code memory.oom_control}): only a user page fault does.
 */
public final class ThreadMemoryCgroup {

    private ThreadMemoryCgroup() {
    }

    /**
     * @param memory a cgroup v1 memory cgroup directory
     * @throws LinuxException the action's, or why the thread could not join {@code memory} (then
     *                        the action does not run)
     * @throws CallerIdentity.IdentityStuck if the thread cannot return to its own memory cgroup:
     *                                      it must not be used again
     */
    public static <T> T run(CgroupDirectory memory, LinuxCall<T> action) throws LinuxException {
        if (memory.version() != 1) {
            throw new IllegalArgumentException("not a cgroup v1 directory: " + memory.path());
        }
        int tid = Linux.gettid();
        if (tid == ProcessHandle.current().pid()) {
            // The leader would make the whole supervisor a candidate for that cgroup's OOM killer.
            throw new LinuxException("moving the process's leader into " + memory.path(), Errno.EPERM);
        }
        Path own = ownMemoryCgroup();
        join(memory.path(), tid);
        try {
            return action.run();
        } finally {
            try {
                join(own, tid);
            } catch (LinuxException e) {
                throw new CallerIdentity.IdentityStuck("cannot return to memory cgroup " + own + ": "
                        + e.getMessage());
            }
        }
    }

    private static Path ownMemoryCgroup() throws LinuxException {
        try {
            // Read each time (no state kept here): a thread moves for a bpf load, which is rare.
            return CgroupMounts.ofHost().locate("memory", Files.readString(Path.of("/proc/thread-self/cgroup")))
                    .filter(d -> d.version() == 1)
                    .orElseThrow(() -> new LinuxException("the supervisor has no cgroup v1 memory cgroup",
                            Errno.ENOENT))
                    .path();
        } catch (IOException e) {
            throw new LinuxException("cannot read the supervisor's memory cgroup: " + e, Errno.EIO);
        }
    }

    /** Writes {@code tid} to the cgroup's {@code tasks} file: moves that one thread there. */
    private static void join(Path cgroup, int tid) throws LinuxException {
        int fd = Linux.openat(Linux.AT_FDCWD, cgroup.resolve("tasks").toString(), Linux.O_WRONLY);
        try {
            FileCalls.write(fd, Integer.toString(tid).getBytes(StandardCharsets.US_ASCII), cgroup + "/tasks");
        } finally {
            Linux.close(fd);
        }
    }
}
