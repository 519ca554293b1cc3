package dev.intercessor.profile;

import java.util.Optional;

/** The actions of the OCI runtime spec (linux.seccomp), as the profile formats spell them. */
enum SeccompAction {
    SCMP_ACT_KILL(false),
    SCMP_ACT_KILL_PROCESS(false),
    SCMP_ACT_KILL_THREAD(false),
    SCMP_ACT_TRAP(false),
    SCMP_ACT_ERRNO(false),
    // Without a tracer attached the kernel answers ENOSYS: a block too.
    SCMP_ACT_TRACE(false),
    SCMP_ACT_ALLOW(true),
    // Allowed, and logged by the kernel.
    SCMP_ACT_LOG(true),
    SCMP_ACT_NOTIFY(true);

    private final boolean passes;

    SeccompAction(boolean passes) {
        this.passes = passes;
    }

    /**
     * Whether the filter lets a call through: runs it (ALLOW, LOG) or hands it to the listener
     * (NOTIFY). Every other action refuses it.
     */
    boolean passes() {
        return passes;
    }

    static Optional<SeccompAction> of(String name) {
        for (SeccompAction a : values()) {
            if (a.name().equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
