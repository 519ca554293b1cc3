package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/** {@code sched_setscheduler(2)} and {@code sched_setparam(2)} with their {@code struct sched_param}. */
final class SchedulerCalls {

    /** {@code struct sched_param}: one int, the priority. */
    static final class SchedParam extends Struct {
        final Signed32 priority = new Signed32();

        SchedParam() {
            super(Linux.runtime());
        }
    }

    private SchedulerCalls() {
    }

    /** @param policy a SCHED_* policy, or negative to keep the thread's and set only its priority */
    static void set(int tid, int policy, int priority) throws LinuxException {
        SchedParam param = new SchedParam();
        Pointer memory = Linux.allocate(Struct.size(param));
        param.useMemory(memory);
        param.priority.set(priority);
        if (policy < 0) {
            Linux.check("sched_setparam(" + tid + ")", Linux.libc().sched_setparam(tid, memory));
        } else {
            Linux.check("sched_setscheduler(" + tid + ")", Linux.libc().sched_setscheduler(tid, policy, memory));
        }
    }
}
