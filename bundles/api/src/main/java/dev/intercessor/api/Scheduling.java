package dev.intercessor.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The supervisor's own {@code sched_setscheduler(2)}, for handlers that have decided a caller
 * deserves a scheduling policy it could not set itself: a service the core registers. It acts with
 * the supervisor's privilege, on a thread it finds in the caller's pid namespace.
 *
 * @since 1.3
 */
@ProviderType
public interface Scheduling {

    /**
     * Sets the scheduling policy and priority of a thread of the caller's pid namespace.
     *
     * @param caller   the {@link Target} the core gave the handler for this call
     * @param pid      the thread as the caller names it (its pid namespace), 0 for the caller
     * @param policy   {@code SCHED_*}, possibly with {@code SCHED_RESET_ON_FORK}; -1 keeps the
     *                 thread's policy ({@code sched_setparam})
     * @param priority the static priority
     * @throws SyscallException {@code ESRCH} if no such thread is in the caller's pid namespace;
     *                          {@code EINVAL} for a target the core did not give; the kernel's
     *                          errno otherwise
     */
    void setScheduler(Target caller, int pid, int policy, int priority) throws SyscallException;
}
