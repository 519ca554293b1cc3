package dev.intercessor.core.internal.acting;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.LoopDevices;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;
import dev.intercessor.core.internal.linux.LoopLoans;

/** {@link LoopDevices}: host loop devices lent to the caller's container. */
@Component(service = LoopDevices.class)
public class LoopDeviceService implements LoopDevices {

    private final LoopLoans loans = new LoopLoans();

    @Override
    public int assignFree(Target caller, int max) throws SyscallException {
        return loans.assignFree(CallerTargets.of(caller), max);
    }

    @Override
    public boolean lent(Target caller, int fd) throws SyscallException {
        return loans.lent(CallerTargets.of(caller), fd);
    }

    @Override
    public void configure(Target caller, int loopFd, int backingFd, byte[] config) throws SyscallException {
        if (config != null && config.length < 240) {
            throw new SyscallException(dev.intercessor.api.Errno.EINVAL, "short struct loop_config");
        }
        loans.configure(CallerTargets.of(caller), loopFd, backingFd, config);
    }

    @Override
    public void setStatus(Target caller, int loopFd, byte[] info) throws SyscallException {
        if (info == null || info.length < 232) {
            throw new SyscallException(dev.intercessor.api.Errno.EINVAL, "short struct loop_info64");
        }
        loans.setStatus(CallerTargets.of(caller), loopFd, info);
    }

    @Override
    public void clear(Target caller, int loopFd) throws SyscallException {
        loans.clear(CallerTargets.of(caller), loopFd);
    }
}
