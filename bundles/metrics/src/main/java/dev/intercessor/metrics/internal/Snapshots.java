package dev.intercessor.metrics.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.intercessor.admin.CallMetrics;
import dev.intercessor.admin.SupervisorMetrics;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The supervisor's counters as Prometheus metrics, all named {@code intercessor_}:
 * <ul>
 * <li>{@code intercessor_calls_total{handler,syscall,decision}}: calls by decision (emulated,
 * refused, continued); {@code handler=""} for calls no handler took;</li>
 * <li>{@code intercessor_call_duration_seconds{handler,syscall}}: a histogram of the timed calls
 * (every call a handler decided, one in 16 of the others);</li>
 * <li>{@code intercessor_containers}, {@code intercessor_notify_threads},
 * {@code intercessor_hot_threads}: gauges now;</li>
 * <li>{@code intercessor_connections_refused_total{listener}}: connections the OCI and LXC sockets
 * refused.</li>
 * </ul>
 */
final class Snapshots {

    private Snapshots() {
    }

    static MetricSnapshots of(SupervisorMetrics m) {
        CounterSnapshot.Builder calls = CounterSnapshot.builder().name("intercessor_calls")
                .help("Trapped calls by handler, syscall and decision");
        HistogramSnapshot.Builder durations = HistogramSnapshot.builder().name("intercessor_call_duration_seconds")
                .unit(Unit.SECONDS).help("Time from receiving a trapped call to answering it (timed calls)");
        double[] bounds = new double[CallMetrics.BUCKET_BOUNDS_NANOS.size() + 1];
        for (int i = 0; i < bounds.length - 1; i++) {
            bounds[i] = CallMetrics.BUCKET_BOUNDS_NANOS.get(i) / 1e9;
        }
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        for (CallMetrics c : m.calls()) {
            String handler = c.handler() == null ? "" : c.handler();
            for (Map.Entry<String, Long> d : Map.of("emulated", c.emulated(), "refused", c.refused(),
                    "continued", c.continued()).entrySet()) {
                if (d.getValue() > 0) {
                    calls.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                            .labels(Labels.of("handler", handler, "syscall", c.syscall(), "decision", d.getKey()))
                            .value(d.getValue()).build());
                }
            }
            if (c.timed() > 0) {
                long[] counts = new long[bounds.length]; // per bucket, not cumulative
                long below = 0;
                for (int i = 0; i < c.bucketCounts().size(); i++) {
                    long cumulative = Math.min(c.bucketCounts().get(i), c.timed());
                    counts[i] = Math.max(0, cumulative - below);
                    below = Math.max(below, cumulative);
                }
                counts[bounds.length - 1] = c.timed() - below;
                durations.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .labels(Labels.of("handler", handler, "syscall", c.syscall()))
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                        .sum(c.timedNanos() / 1e9).build());
            }
        }
        CounterSnapshot.Builder refused = CounterSnapshot.builder().name("intercessor_connections_refused")
                .help("Connections the runtime-facing sockets refused, by listener");
        m.refusedConnections().forEach((listener, n) -> refused.dataPoint(CounterSnapshot.CounterDataPointSnapshot
                .builder().labels(Labels.of("listener", listener)).value(n).build()));
        List<io.prometheus.metrics.model.snapshots.MetricSnapshot> all = new ArrayList<>();
        all.add(calls.build());
        all.add(durations.build());
        all.add(gauge("intercessor_containers", "Containers attached now", m.containers()));
        all.add(gauge("intercessor_notify_threads", "Threads serving the notify fds now", m.notifyThreads()));
        all.add(gauge("intercessor_hot_threads", "Threads staying with one busy container now", m.hotThreads()));
        all.add(refused.build());
        return new MetricSnapshots(all);
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build()).build();
    }
}
