package dev.intercessor.admin;

import java.time.Instant;
import java.util.List;

/**
 * One attached container.
 *
 * @param id            the container id the runtime gave
 * @param runtime       the version of the OCI state the runtime sent (runc: {@code 1.x}, crun:
 *                      {@code 0.2.0})
 * @param initPid       host pid of its init
 * @param notifyPids    host pids whose notify fds were sent (one per fd)
 * @param processes     host pids of the processes now in its pid namespace ({@code container}
 *                      only; empty in the list)
 * @param attachedSince when the first notify fd arrived
 * @param seen          trapped calls received
 * @param emulated      answered with a result by a handler
 * @param refused       answered with an errno
 * @param continued     handed back to the kernel
 */
public record ContainerInfo(String id, String runtime, int initPid, List<Integer> notifyPids,
        List<Integer> processes, Instant attachedSince, long seen, long emulated, long refused,
        long continued) {
}
