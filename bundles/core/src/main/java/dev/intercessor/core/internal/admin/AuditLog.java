package dev.intercessor.core.internal.admin;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import com.google.gson.stream.JsonWriter;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.core.internal.Supervisor;
import dev.intercessor.core.internal.record.DecidedCall;
import dev.intercessor.logging.FileRotation;

/**
 * The audit trail: every call a handler emulated or refused (not the "continue"s), one JSON object
 * per line, rotated by size. Notify threads only queue the record; one thread writes, every
 * 50 ms, so the caller never waits for the disk. A changed configuration applies in order,
 * between two lines.
 *
 * <p>Each container has a rate ({@link ContainerRateLimiter}): what it calls beyond it is counted
 * before it takes a place in the queue, and a summary line per container and interval says how
 * many of its records were left out since when. A container calling thousands of times a second
 * can thus neither rotate the others' records out of the log within minutes nor crowd them out of
 * the queue, and nothing is lost without a trace.
 */
@Component(immediate = true, configurationPid = AuditLog.PID)
@Designate(ocd = AuditLog.Config.class)
public class AuditLog {

    public static final String PID = "dev.intercessor.audit";

    @ObjectClassDefinition(name = "Intercessor audit log",
            description = "Every emulated or refused call, one JSON object per line.")
    public @interface Config {
        @AttributeDefinition(description = "Write the audit log.")
        boolean enabled() default true;

        @AttributeDefinition(description = "The log file (relative: to the distribution's directory). "
                + "Rotated files get .1, .2, ... (.1 the newest).")
        String path() default "var/log/audit.log";

        @AttributeDefinition(description = "Rotate when the file would grow beyond this many bytes.", min = "1")
        long maxBytes() default 10L * 1024 * 1024;

        @AttributeDefinition(description = "How many rotated files to keep.", min = "0")
        int files() default 5;

        @AttributeDefinition(description = "Records a second one container may have written after its burst; "
                + "the rest are counted and summarised. 0: no limit.", min = "0")
        double recordsPerSecond() default 50;

        @AttributeDefinition(description = "Records one container may have written at once, before its rate applies.",
                min = "0")
        int burst() default 500;

        @AttributeDefinition(description = "How often, in seconds, a container over its rate gets a summary line "
                + "(\"suppressed\": how many of its records were not written, \"since\": the first one's time).",
                min = "1")
        int summarySeconds() default 10;
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.core.audit");
    private static final int QUEUE = 65_536;
    private static final long DRAIN_MILLIS = 50;

    @Reference
    private Supervisor supervisor;

    private final BlockingQueue<DecidedCall> queue = new ArrayBlockingQueue<>(QUEUE);
    private final ContainerRateLimiter limiter = new ContainerRateLimiter(0, 1);
    private final AtomicLong dropped = new AtomicLong();
    private volatile Config config;
    private volatile boolean enabled;
    private volatile boolean running = true;
    private Thread writer;

    // Writer thread state.
    private Config open;
    private OutputStream out;
    private long size;
    private boolean failing;

    @Activate
    void activate(Config config) {
        modified(config);
        writer = new Thread(this::write, "intercessor-audit");
        writer.setDaemon(true);
        writer.start();
        supervisor.calls().setAudit(this::offer);
    }

    @Modified
    void modified(Config config) {
        limiter.configure(config.recordsPerSecond(), config.burst());
        this.config = config;
        this.enabled = config.enabled();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        supervisor.calls().setAudit(null);
        running = false;
        writer.interrupt();
        writer.join(5000);
    }

    private void offer(DecidedCall call) {
        if (enabled && limiter.admit(call.containerId(), call.answeredNanos()) && !queue.offer(call)) {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1, 2, 4, 8, ...: a line now and then, not per call
                LOG.log(Level.WARNING, "audit log cannot keep up: " + n + " records dropped so far");
            }
        }
    }

    /**
     * Drains the queue every {@value #DRAIN_MILLIS} ms instead of waiting on it: waking the writer
     * for each record would cost every emulated call a futex wake-up and a context switch.
     */
    private void write() {
        List<DecidedCall> batch = new ArrayList<>();
        long lastSummary = System.nanoTime();
        try {
            while (running) {
                try {
                    Thread.sleep(DRAIN_MILLIS);
                } catch (InterruptedException e) {
                    // deactivating: drain what is queued
                }
                long now = System.nanoTime();
                // the interval as configured now: a change applies to the summary in progress
                boolean summarise = now - lastSummary >= Math.max(1, config.summarySeconds()) * 1_000_000_000L;
                if (summarise) {
                    lastSummary = now;
                }
                drain(batch, summarise);
            }
            drain(batch, true);
        } finally {
            close();
        }
    }

    /** Writes what is queued, then (if {@code summarise}) each container's suppressed count. */
    private void drain(List<DecidedCall> batch, boolean summarise) {
        while (queue.drainTo(batch, 4096) > 0) {
            for (DecidedCall call : batch) {
                append(json(call.record()));
            }
            batch.clear();
        }
        if (summarise) {
            Instant now = Instant.now();
            for (ContainerRateLimiter.Suppressed s : limiter.drain(System.nanoTime(), DecidedCall::wallClock)) {
                append(json(now, s));
            }
        }
        flush();
    }

    private void append(String json) {
        Config c = config;
        try {
            if (c != open) {
                close();
                open = c;
            }
            if (!c.enabled()) {
                return;
            }
            byte[] line = json.getBytes(StandardCharsets.UTF_8);
            Path path = Path.of(c.path());
            if (out != null && size > 0 && size + line.length > c.maxBytes()) {
                close();
                FileRotation.rotate(path, c.files());
            }
            if (out == null) {
                out = openLog(path);
                size = Files.size(path);
            }
            out.write(line);
            size += line.length;
            if (failing) {
                failing = false;
                LOG.log(Level.INFO, "writing the audit log " + c.path() + " again");
            }
        } catch (IOException e) {
            if (!failing) { // once, not per record, until it works again
                failing = true;
                LOG.log(Level.ERROR, "cannot write the audit log " + c.path() + ": " + e + "; records "
                        + "are lost until it can");
            }
            close();
        }
    }

    private static OutputStream openLog(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (!Files.exists(path)) {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        return new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.APPEND), 64 * 1024);
    }


    private void flush() {
        if (out != null) {
            try {
                out.flush();
            } catch (IOException e) {
                LOG.log(Level.ERROR, "cannot write the audit log: " + e.getMessage());
                close();
            }
        }
    }

    private void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.log(Level.ERROR, "cannot close the audit log: " + e.getMessage());
            }
            out = null;
        }
    }

    /** One line: the record as a JSON object. */
    static String json(CallRecord c) {
        return line(json -> json
                .name("time").value(c.time().toString())
                .name("container").value(c.containerId())
                .name("pid").value(c.pid())
                .name("arch").value(c.arch())
                .name("syscall").value(c.syscall())
                .name("arguments").value(c.arguments())
                .name("handler").value(c.handler())
                .name("decision").value(c.decision().name().toLowerCase(Locale.ROOT))
                .name("errno").value(c.errno())
                .name("errnoName").value(c.errnoName())
                .name("value").value(c.value())
                .name("nanos").value(c.nanos()));
    }

    /** One line: a container's suppressed records since the last summary. */
    static String json(Instant time, ContainerRateLimiter.Suppressed s) {
        return line(json -> json
                .name("time").value(time.toString())
                .name("container").value(s.containerId())
                .name("suppressed").value(s.count())
                .name("since").value(s.since() == null ? null : s.since().toString()));
    }

    private interface Members {
        void write(JsonWriter json) throws IOException;
    }

    /** One JSON object on one line: JsonWriter escapes line breaks, U+2028 and U+2029 too. */
    private static String line(Members members) {
        StringWriter line = new StringWriter(256);
        try (JsonWriter json = new JsonWriter(line)) {
            json.beginObject();
            members.write(json);
            json.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return line.append('\n').toString();
    }
}
