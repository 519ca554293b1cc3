package dev.intercessor.core.internal.linux;

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
        CapabilitySets capabilities = new CapabilitySets();
        CapabilitySets.Sets saved = capabilities.read();
        capabilities.write(saved.withEffective(effective));
        try {
            return action.run();
        } finally {
            try {
                capabilities.write(saved);
            } catch (LinuxException e) {
                throw new CallerIdentity.IdentityStuck("cannot restore the thread's capabilities: errno "
                        + e.errno());
            }
        }
    }
}
