package dev.intercessor.metrics.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.intercessor.admin.Supervision;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

/**
 * {@code GET /metrics}: the supervisor's counters ({@link Supervision#metrics}) as Prometheus text,
 * or OpenMetrics text for a scraper that asks for it, read at each scrape. One small thread; off
 * with an empty {@code address}.
 */
@Component(immediate = true, configurationPid = MetricsEndpoint.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MetricsEndpoint.Config.class)
public class MetricsEndpoint {

    public static final String PID = "dev.intercessor.metrics";

    @ObjectClassDefinition(name = "Intercessor metrics", description = "Prometheus/OpenMetrics text over HTTP.")
    public @interface Config {
        @AttributeDefinition(description = "host:port to serve /metrics on (empty: off). Loopback by default: "
                + "the counters name containers and handlers.")
        String address() default "127.0.0.1:9464";
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.metrics");

    @Reference
    private Supervision supervision;

    private HttpServer server;
    private ExecutorService thread;

    @Activate
    void activate(Config config) throws IOException {
        if (config.address().isBlank()) {
            LOG.log(Level.INFO, "metrics endpoint off (address empty)");
            return;
        }
        InetSocketAddress address = parse(config.address());
        try {
            server = HttpServer.create(address, 16);
        } catch (NoClassDefFoundError e) {
            LOG.log(Level.ERROR, "metrics endpoint off: the framework does not export com.sun.net.httpserver (add it "
                    + "to org.osgi.framework.system.packages.extra; under Karaf in etc/custom.properties)");
            return;
        }
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "intercessor-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/metrics", this::scrape);
        server.start();
        LOG.log(Level.INFO, "metrics at http://" + config.address() + "/metrics");
    }

    /** @throws IllegalArgumentException for anything but host:port */
    static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("metrics address is host:port, not " + address);
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(address.substring(colon + 1));
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("metrics port out of range: " + port);
        }
        return new InetSocketAddress(host, port);
    }

    @Deactivate
    void deactivate() {
        if (server != null) {
            server.stop(0);
            thread.shutdownNow();
        }
    }

    private void scrape(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            ExpositionFormatWriter writer = OpenMetricsTextFormatWriter.create();
            if (accept == null || !writer.accepts(accept)) {
                writer = PrometheusTextFormatWriter.create();
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            writer.write(body, Snapshots.of(supervision.metrics()), EscapingScheme.DEFAULT);
            exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(200, head ? -1 : body.size());
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    body.writeTo(out);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a metrics scrape failed", e);
            throw e;
        }
    }
}
