package dev.intercessor.admin;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The running supervisor, for administration. Containers are named by their id or by a prefix
 * that matches exactly one attached container.
 */
@ProviderType
public interface Supervision {

    /** @return every attached container, oldest first */
    List<ContainerInfo> containers();

    /**
     * @return the attached container {@code id} names (an id, or a prefix of exactly one)
     * @throws IllegalArgumentException if the prefix matches several containers
     */
    Optional<ContainerInfo> container(String id);

    /** @return every registered handler, serving or not */
    List<HandlerInfo> handlers();

    /**
     * @return the options the registered handlers declare, each handler's {@code <name>.enabled}
     *         among them, sorted by key
     * @since 1.2
     */
    List<OptionInfo> options();

    /**
     * @return the effective policy of a container: every key some source sets, and each
     *         handler's {@code <name>.enabled}, with the source that decided it
     * @throws NoSuchElementException if no attached container matches
     */
    List<PolicyEntry> policy(String id);

    /**
     * Sets a policy key for one attached container, above every other source, from its next call.
     *
     * @throws NoSuchElementException   if no attached container matches
     * @throws IllegalArgumentException for a malformed key
     */
    void setPolicy(String id, String key, String value);

    /**
     * Takes back what {@link #setPolicy} set.
     *
     * @return whether the key had been set at runtime
     * @throws NoSuchElementException if no attached container matches
     */
    boolean resetPolicy(String id, String key);

    /** @return the counters and latencies per (handler, syscall) since the supervisor started */
    List<SyscallStats> stats();

    /**
     * @return the counters a metrics exporter publishes (calls by decision, latency buckets,
     *         containers, refused connections, threads)
     * @since 1.3
     */
    SupervisorMetrics metrics();

    /**
     * @return the health checks: the runtime-facing sockets are there and accepting, the notify
     *         threads run, handlers serve
     * @since 1.3
     */
    List<HealthCheck> health();

    /**
     * @param id  a container, or {@code null} for all
     * @param max at most this many, the newest last
     * @return recent decisions: every call a handler saw, and plain "continue"s while someone
     *         follows
     */
    List<CallRecord> recentCalls(String id, int max);

    /**
     * Calls {@code listener} for every decision from now on (plain "continue"s included), on the
     * notify thread that made it: the listener must be quick and must not block.
     *
     * @param id a container, or {@code null} for all
     * @return closing it stops the calls
     */
    AutoCloseable follow(String id, Consumer<CallRecord> listener);
}
