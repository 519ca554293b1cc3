package dev.intercessor.core.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import dev.intercessor.admin.HealthCheck;
import dev.intercessor.admin.SupervisorMetrics;
import dev.intercessor.core.internal.dispatch.HandlerBinding;
import dev.intercessor.core.internal.dispatch.HandlerRegistry;
import dev.intercessor.core.internal.dispatch.Multiplexer;
import dev.intercessor.core.internal.dispatch.Sessions;
import dev.intercessor.core.internal.record.CallLog;

/**
 * What the supervisor says about itself: its health checks (listeners, notify threads, handlers)
 * and the counters a metrics exporter publishes.
 */
final class Health {

    private final HandlerRegistry registry;
    private final CallLog calls;
    /** The runtime-facing listeners' own checks: null when healthy, else what is wrong. */
    private final Map<String, Supplier<String>> listenerChecks = new ConcurrentHashMap<>();
    /** Connections refused, by listener (oci, lxc). */
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private volatile Multiplexer multiplexer;
    private volatile Sessions sessions;
    private volatile int threadsConfigured;

    Health(HandlerRegistry registry, CallLog calls) {
        this.registry = registry;
        this.calls = calls;
    }

    /** What serves the calls now (from the supervisor's activation on). */
    void serving(Multiplexer multiplexer, Sessions sessions, int threadsConfigured) {
        this.multiplexer = multiplexer;
        this.sessions = sessions;
        this.threadsConfigured = threadsConfigured;
    }

    /** A listener's health ({@code check} says null when healthy); null {@code check}: it is gone. */
    void listener(String name, Supplier<String> check) {
        if (check == null) {
            listenerChecks.remove(name);
        } else {
            listenerChecks.put(name, check);
        }
    }

    void countRefused(String listener) {
        refused.computeIfAbsent(listener, l -> new LongAdder()).increment();
    }

    List<HealthCheck> checks() {
        List<HealthCheck> checks = new ArrayList<>();
        Supplier<String> oci = listenerChecks.get("oci-listener");
        checks.add(oci == null ? new HealthCheck("oci-listener", false, "not running") : check("oci-listener", oci.get()));
        Supplier<String> lxc = listenerChecks.get("lxc-listener");
        if (lxc != null) {
            checks.add(check("lxc-listener", lxc.get()));
        }
        Multiplexer m = multiplexer;
        int running = m == null ? 0 : m.notifyThreads();
        checks.add(new HealthCheck("notify-threads", running >= threadsConfigured, running + " of " + threadsConfigured
                + " running, " + (m == null ? 0 : m.hotThreadsNow()) + " hot"));
        List<String> serving = new ArrayList<>();
        for (HandlerBinding b : registry.bindings()) {
            if (!registry.serving(b).isEmpty()) {
                serving.add(b.name());
            }
        }
        Collections.sort(serving);
        List<String> rejected = registry.rejections().stream().map(r -> r.binding().name() + ": " + r.reason()).toList();
        checks.add(new HealthCheck("handlers", !serving.isEmpty(), (serving.isEmpty() ? "none serving"
                : "serving " + serving) + (rejected.isEmpty() ? "" : "; rejected " + rejected)));
        return checks;
    }

    private static HealthCheck check(String name, String problem) {
        return new HealthCheck(name, problem == null, problem == null ? "accepting" : problem);
    }

    SupervisorMetrics metrics() {
        Map<String, Long> connections = new TreeMap<>();
        for (String listener : List.of("oci", "lxc")) {
            LongAdder n = refused.get(listener);
            connections.put(listener, n == null ? 0 : n.sum());
        }
        Multiplexer m = multiplexer;
        Sessions s = sessions;
        return new SupervisorMetrics(calls.metrics(), s == null ? 0 : s.all().size(), connections,
                m == null ? 0 : m.notifyThreads(), m == null ? 0 : m.hotThreadsNow());
    }
}
