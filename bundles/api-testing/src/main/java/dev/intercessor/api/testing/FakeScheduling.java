package dev.intercessor.api.testing;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Scheduling;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

/**
 * A {@link Scheduling} service that schedules nothing: each request is recorded on the caller's
 * {@link FakeTarget} ({@link FakeTarget#schedulerCalls()}) and fails as
 * {@link FakeTarget#failing failing("setScheduler", errno)} says, or with {@code EINVAL} for a
 * negative pid, as the core's would.
 */
public final class FakeScheduling implements Scheduling {

    @Override
    @SuppressWarnings("deprecation") // FakeTarget keeps the record
    public void setScheduler(Target caller, int pid, int policy, int priority) throws SyscallException {
        fake(caller).setScheduler(pid, policy, priority);
    }

    static FakeTarget fake(Target caller) throws SyscallException {
        if (caller instanceof FakeTarget f) {
            return f;
        }
        throw new SyscallException(Errno.EINVAL, "a fake service acts for a FakeTarget only, not " + caller);
    }
}
