package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The metrics endpoint (issue 16): scraped over HTTP before and after a container's calls, its
 * counters move with them — emulated sysinfo calls, their latency histogram, the attached
 * containers — and it answers in OpenMetrics to a scraper that asks.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MetricsIT extends HandlerIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.SYSINFO, "sysinfo");
    }

    private static HttpResponse<String> scrape(String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + TestSetup.METRICS + "/metrics"));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the sample's value, 0 if the series is not there yet */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    public void countersMoveWithCalls() throws Exception {
        String emulated = "intercessor_calls_total{decision=\"emulated\",handler=\"sysinfo\",syscall=\"sysinfo\"}";
        String timed = "intercessor_call_duration_seconds_count{handler=\"sysinfo\",syscall=\"sysinfo\"}";
        TestSetup.waitFor(() -> scrape(null).statusCode() == 200, "the metrics endpoint");
        HttpResponse<String> before = scrape(null);
        assertTrue(before.headers().firstValue("Content-Type").orElse(""), before.headers()
                .firstValue("Content-Type").orElse("").startsWith("text/plain"));
        try (Container c = Container.start(id("metrics"), "--syscalls", "sysinfo", "--memory", "256m")) {
            Container.Result r = c.exec("for i in 1 2 3 4 5; do /opt/t/sysinfotest >/dev/null; done; echo done");
            assertEquals(r.toString(), "done\n", r.out());
            String during = scrape(null).body();
            assertTrue(during, value(during, "intercessor_containers") >= 1);
            assertEquals(during, value(before.body(), emulated) + 5, value(during, emulated), 0);
            assertEquals(during, value(before.body(), timed) + 5, value(during, timed), 0);
            assertTrue(during, value(during, "intercessor_notify_threads") >= 1);
        }
        HttpResponse<String> open = scrape("application/openmetrics-text; version=1.0.0");
        assertTrue(open.headers().firstValue("Content-Type").orElse(""), open.headers().firstValue("Content-Type")
                .orElse("").startsWith("application/openmetrics-text"));
        assertTrue(open.body(), open.body().endsWith("# EOF\n"));
    }
}
