package dev.intercessor.core.internal.acting;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.Scheduling;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

/** {@link Scheduling}, through the caller's checked /proc directory and pid namespace. */
@Component(service = Scheduling.class)
public class SchedulingService implements Scheduling {

    @Override
    @SuppressWarnings("deprecation") // the target's implementation, kept there for handlers built against API 1.2
    public void setScheduler(Target caller, int pid, int policy, int priority) throws SyscallException {
        CallerTargets.of(caller).setScheduler(pid, policy, priority);
    }
}
