package dev.intercessor.handler.sched;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Credentials;
import dev.intercessor.api.Errno;
import dev.intercessor.api.HandlerProperties;
import dev.intercessor.api.Notification;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.Scheduling;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.api.Target;

/**
 * {@code sched_setscheduler} and {@code sched_setparam} for software that needs real-time
 * scheduling (Android, audio, some control loops), which a user namespace cannot grant. Off unless
 * a container asks ({@code sched.enabled=true}) and marked unsafe: a real-time thread can starve
 * the host's CPUs within the real-time budget the host allows the container's cgroup.
 *
 * <p>Only a caller that is root in its container and holds CAP_SYS_NICE there is served, and only
 * on threads of its own pid namespace; everyone else gets the kernel's answer.
 *
 * <p>The same for a compat caller (x86, x32, arm): {@code struct sched_param} is one int on every ABI.
 */
@Component
@HandlerProperties(handler = "sched", syscalls = {"sched_setscheduler", "sched_setparam"},
        enabled_default = false, unsafe = true)
public class SchedHandler implements SyscallHandler {

    static final int SCHED_OTHER = 0;
    static final int SCHED_FIFO = 1;
    static final int SCHED_RR = 2;
    static final int SCHED_BATCH = 3;
    static final int SCHED_IDLE = 5;
    static final int SCHED_RESET_ON_FORK = 0x40000000;

    @Reference
    private Scheduling scheduling;

    public SchedHandler() {
    }

    /** For tests: a handler with its service. */
    SchedHandler(Scheduling scheduling) {
        this.scheduling = scheduling;
    }

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        Credentials who = target.credentials();
        if (!who.has(Capability.SYS_NICE) || target.containerUid(who.euid()) != 0) {
            return Response.continueSyscall();
        }
        boolean setParam = call.syscall().equals("sched_setparam");
        int pid = (int) call.arg(0);
        int requested = setParam ? -1 : (int) call.arg(1);
        long paramAddress = call.arg(setParam ? 1 : 2);
        if (pid < 0 || paramAddress == 0) {
            throw new SyscallException(Errno.EINVAL, call.syscall() + ": bad pid or NULL param");
        }
        int priority = ByteBuffer.wrap(target.read(paramAddress, 4)).order(ByteOrder.nativeOrder()).getInt();
        if (!setParam) {
            checkPolicy(requested & ~SCHED_RESET_ON_FORK, priority);
        }
        scheduling.setScheduler(target, pid, requested, priority);
        return Response.value(0);
    }

    /** The kernel's own rule: real-time policies take 1..99, the others only 0. */
    static void checkPolicy(int base, int priority) throws SyscallException {
        switch (base) {
            case SCHED_FIFO:
            case SCHED_RR:
                if (priority < 1 || priority > 99) {
                    throw new SyscallException(Errno.EINVAL, "real-time priority out of 1..99: " + priority);
                }
                return;
            case SCHED_OTHER:
            case SCHED_BATCH:
            case SCHED_IDLE:
                if (priority != 0) {
                    throw new SyscallException(Errno.EINVAL, "priority must be 0 for policy " + base);
                }
                return;
            default:
                throw new SyscallException(Errno.EINVAL, "unknown policy " + base);
        }
    }
}
