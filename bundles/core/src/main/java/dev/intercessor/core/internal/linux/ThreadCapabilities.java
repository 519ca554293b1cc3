package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * Runs an action on the calling thread with exactly a given effective capability set, and puts
 * the thread's set back afterwards, also when the action fails. {@code capset(2)} changes the
 * calling thread only (DESIGN.md §3), so the rest of the supervisor keeps its capabilities.
 *
 * <p>The thread's sets are read with {@code capget} before and written back unchanged after, so
 * a {@link CallerIdentity} on this thread, which caches its effective set, finds it as it left it;
 * the action itself must not switch identities.
 */
public final class ThreadCapabilities {

    private static final int CAP_VERSION_3 = 0x20080522;

    private ThreadCapabilities() {
    }

    /**
     * @param effective the capabilities ({@code 1L << CAP_*}) the action runs with, all of them in
     *                  the thread's permitted set
     * @throws LinuxException the action's, or {@code capset}'s if the set cannot be lowered
     *                        (then the action does not run)
     * @throws CallerIdentity.IdentityStuck if the thread's own set cannot be put back: the
     *                                      thread must not be used again
     */
    public static <T> T run(long effective, LinuxCall<T> action) throws LinuxException {
        Pointer header = Linux.allocate(8);
        Pointer saved = Linux.allocate(24);
        header.putInt(0, CAP_VERSION_3);
        header.putInt(4, 0); // this thread
        Linux.check("capget", Linux.libc().capget(header, saved));
        Pointer lowered = Linux.allocate(24);
        byte[] sets = new byte[24];
        saved.get(0, sets, 0, sets.length);
        lowered.put(0, sets, 0, sets.length);
        lowered.putInt(0, (int) effective); // struct __user_cap_data_struct[2]: effective at 0 and 12
        lowered.putInt(12, (int) (effective >>> 32));
        Linux.check("capset", Linux.libc().capset(header, lowered));
        try {
            return action.run();
        } finally {
            header.putInt(0, CAP_VERSION_3); // capset may rewrite the version on failure
            header.putInt(4, 0);
            if (Linux.libc().capset(header, saved) < 0) {
                throw new CallerIdentity.IdentityStuck("cannot restore the thread's capabilities: errno "
                        + Linux.errno());
            }
        }
    }
}
