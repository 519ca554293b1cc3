package dev.intercessor.core.internal.linux;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

/**
 * The host's loop devices lent to containers: one {@link LoopAssignments} per attached container,
 * given back when it detaches. One instance, held by the loop device service.
 */
public final class LoopLoans {

    private final Map<ContainerInit, LoopAssignments> containers = new ConcurrentHashMap<>();

    /** @return the container's loop devices (registered to be given back when it detaches) */
    LoopAssignments of(ContainerInit container) throws SyscallException {
        LoopAssignments[] made = new LoopAssignments[1];
        LoopAssignments loops = containers.computeIfAbsent(container, c -> made[0] = new LoopAssignments(c));
        if (made[0] != null) {
            container.onClose(() -> {
                containers.remove(container);
                made[0].releaseAll();
            });
        }
        if (container.closed()) {
            throw new SyscallException(Errno.ESRCH, "the container has detached");
        }
        return loops;
    }

    /** @return every container's loop devices */
    Collection<LoopAssignments> all() {
        return List.copyOf(containers.values());
    }

    /** @return how many loop devices containers hold, for tests and the log */
    public int held() {
        return containers.values().stream().mapToInt(LoopAssignments::size).sum();
    }

    /** LOOP_CTL_GET_FREE: see {@link dev.intercessor.api.LoopDevices#assignFree}. */
    public int assignFree(ProcTarget caller, int max) throws SyscallException {
        return LoopAssignments.assignFree(this, caller, max);
    }

    /** See {@link dev.intercessor.api.LoopDevices#lent}. */
    public boolean lent(ProcTarget caller, int fd) throws SyscallException {
        return LoopAssignments.lent(this, caller, fd);
    }

    /** See {@link dev.intercessor.api.LoopDevices#configure}. */
    public void configure(ProcTarget caller, int loopFd, int backingFd, byte[] config) throws SyscallException {
        LoopAssignments.configure(this, caller, loopFd, backingFd, config);
    }

    /** See {@link dev.intercessor.api.LoopDevices#setStatus}. */
    public void setStatus(ProcTarget caller, int loopFd, byte[] info) throws SyscallException {
        LoopAssignments.setStatus(this, caller, loopFd, info);
    }

    /** See {@link dev.intercessor.api.LoopDevices#clear}. */
    public void clear(ProcTarget caller, int loopFd) throws SyscallException {
        LoopAssignments.clear(this, caller, loopFd);
    }
}
