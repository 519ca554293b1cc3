package dev.intercessor.admin;

import java.util.List;
import java.util.Map;

/**
 * What a metrics exporter reads at each scrape.
 *
 * @param calls              the counters of every (handler, syscall) pair seen
 * @param containers         containers attached now
 * @param refusedConnections connections a runtime-facing socket refused, by listener
 *                           ({@code oci}, {@code lxc})
 * @param notifyThreads      threads serving the notify fds now
 * @param hotThreads         of those, how many stay with one busy container now
 * @since 1.3
 */
public record SupervisorMetrics(List<CallMetrics> calls, int containers, Map<String, Long> refusedConnections,
        int notifyThreads, int hotThreads) {

    public SupervisorMetrics {
        calls = List.copyOf(calls);
        refusedConnections = Map.copyOf(refusedConnections);
    }
}
