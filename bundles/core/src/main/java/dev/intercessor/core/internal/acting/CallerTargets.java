package dev.intercessor.core.internal.acting;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;
import dev.intercessor.core.internal.linux.ProcTarget;

/** The core's own targets: a privileged service acts only for a caller the core handed a handler. */
final class CallerTargets {

    private CallerTargets() {
    }

    static ProcTarget of(Target caller) throws SyscallException {
        if (caller instanceof ProcTarget t) {
            return t;
        }
        throw new SyscallException(Errno.EINVAL, "not a caller the supervisor handed to a handler: "
                + (caller == null ? "null" : caller.getClass().getName()));
    }
}
