package dev.intercessor.metrics.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.intercessor.admin.CallMetrics;
import dev.intercessor.admin.SupervisorMetrics;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

/** {@link Snapshots}: the admin API's counters as Prometheus text, as a scraper reads them. */
public class SnapshotsTest {

    private static String text(SupervisorMetrics m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, Snapshots.of(m), EscapingScheme.DEFAULT);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void callsByDecisionTheirLatenciesAndTheGauges() throws Exception {
        List<Long> cumulative = new ArrayList<>();
        for (long bound : CallMetrics.BUCKET_BOUNDS_NANOS) {
            cumulative.add(bound < 10_000 ? 0L : bound < 100_000 ? 7L : 9L); // 7 at ≤10 µs, 2 more ≤100 µs, 1 slower
        }
        SupervisorMetrics m = new SupervisorMetrics(List.of(
                new CallMetrics("sysinfo", "sysinfo", 8, 1, 1, 10, 250_000, cumulative),
                new CallMetrics(null, "getppid", 0, 0, 32, 2, 3_000, CallMetrics.BUCKET_BOUNDS_NANOS.stream()
                        .map(b -> b < 2_500 ? 0L : 2L).toList())),
                3, Map.of("oci", 2L, "lxc", 0L), 4, 1);
        String t = text(m);
        assertTrue(t, t.contains("intercessor_calls_total{decision=\"emulated\",handler=\"sysinfo\",syscall=\"sysinfo\"} 8"));
        assertTrue(t, t.contains("intercessor_calls_total{decision=\"refused\",handler=\"sysinfo\",syscall=\"sysinfo\"} 1"));
        assertTrue(t, t.contains("intercessor_calls_total{decision=\"continued\",handler=\"\",syscall=\"getppid\"} 32"));
        assertTrue(t, t.contains("intercessor_call_duration_seconds_bucket{handler=\"sysinfo\",syscall=\"sysinfo\",le=\"1.0E-5\"} 7"));
        assertTrue(t, t.contains("intercessor_call_duration_seconds_bucket{handler=\"sysinfo\",syscall=\"sysinfo\",le=\"1.0E-4\"} 9"));
        assertTrue(t, t.contains("intercessor_call_duration_seconds_bucket{handler=\"sysinfo\",syscall=\"sysinfo\",le=\"+Inf\"} 10"));
        assertTrue(t, t.contains("intercessor_call_duration_seconds_count{handler=\"sysinfo\",syscall=\"sysinfo\"} 10"));
        assertTrue(t, t.contains("intercessor_call_duration_seconds_sum{handler=\"sysinfo\",syscall=\"sysinfo\"} 2.5E-4"));
        assertTrue(t, t.contains("intercessor_containers 3"));
        assertTrue(t, t.contains("intercessor_notify_threads 4"));
        assertTrue(t, t.contains("intercessor_hot_threads 1"));
        assertTrue(t, t.contains("intercessor_connections_refused_total{listener=\"oci\"} 2"));
    }

    @Test
    public void addresses() {
        assertEquals(9464, MetricsEndpoint.parse("127.0.0.1:9464").getPort());
        assertTrue(MetricsEndpoint.parse("[::1]:9464").getAddress().isLoopbackAddress());
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parse("9464"));
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parse("host:"));
        assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.parse("host:70000"));
    }
}
