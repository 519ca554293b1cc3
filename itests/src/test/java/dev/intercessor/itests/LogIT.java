package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.Supervision;

/**
 * What containers can do to the logs. A path with a line break, a timestamp and {@code SEVERE}
 * stays inside its record's line in the framework's log (the distribution's handler and formatter)
 * and in the audit log; a container flooding refused calls gets its audit rate and a count of the
 * rest, and another container's few calls are all there.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LogIT extends HandlerIT {

    /** The framework's log, written by the distribution's handler (setUp). */
    private static final Path FRAMEWORK_LOG = Path.of("target", "log", "intercessor.log").toAbsolutePath();
    private static final double RATE = 50;
    private static final int BURST = 500;

    @Inject
    private Supervision supervision;

    @Inject
    private ConfigurationAdmin configAdmin;

    private Path auditDir;
    private Handler frameworkLog;

    /**
     * Pax Exam's pax-logging resets java.util.logging's configuration, and a bundle does not see
     * the launcher's class path: the distribution's handler (bin/intercessor-logging.jar, on this
     * JVM's class path) is added to the root logger by hand, as etc/logging.properties would.
     */
    @Before
    public void setUp() throws Exception {
        Files.deleteIfExists(FRAMEWORK_LOG);
        frameworkLog = (Handler) ClassLoader.getSystemClassLoader().loadClass("dev.intercessor.logging.RotatingFileHandler")
                .getConstructor(Path.class, long.class, int.class).newInstance(FRAMEWORK_LOG, 10L * 1024 * 1024, 1);
        Logger.getLogger("").addHandler(frameworkLog);
        auditDir = TestSetup.AUDIT_LOG.resolveSibling("log-" + UUID.randomUUID().toString().substring(0, 8));
        Configuration c = configAdmin.getConfiguration("dev.intercessor.audit", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", auditDir.resolve("audit.log").toString());
        p.put("recordsPerSecond", RATE);
        p.put("burst", BURST);
        p.put("summarySeconds", 1);
        c.update(p);
        Thread.sleep(500); // the new audit file applies from the next record
    }

    @After
    public void tearDown() throws Exception {
        Logger.getLogger("").removeHandler(frameworkLog);
        frameworkLog.close();
        Configuration c = configAdmin.getConfiguration("dev.intercessor.audit", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", TestSetup.AUDIT_LOG.toString());
        c.update(p);
    }

    @Test
    public void aPathWithALineBreakStaysOnItsRecordsLine() throws Exception {
        startHandler("dev.intercessor.handler.mount", "mount");
        String name = id("forge");
        String forged = "2026-12-01 00:00:00.000 SEVERE  dev.intercessor.core: forged by " + name;
        try (Container c = Container.start(name, "--cap-add", "SYS_ADMIN", "--syscalls", "mount",
                "--annotation", "mount.enabled=true", "--annotation", "mount.allowed=ext4")) {
            // A directory is no image: the handler refuses with ENOTBLK and logs why, path and all
            // (read-only: a directory does not open for writing).
            Container.Result r = c.exec("d=\"$(printf '/tmp/x\\n%s\\r\\033[2J' '" + forged + "')\" && mkdir \"$d\" && "
                    + "/opt/t/mounttest mount \"$d\" /tmp ext4 ro");
            assertEquals(r.toString(), "errno=ENOTBLK\n", r.out());
        }

        TestSetup.waitFor(() -> Files.readString(FRAMEWORK_LOG).contains(forged), "the refusal in " + FRAMEWORK_LOG);
        List<String> log = Files.readAllLines(FRAMEWORK_LOG).stream().filter(l -> l.contains(name)).toList();
        System.out.println("framework log:\n" + String.join("\n", log));
        assertFalse("a line of the container's making: " + log, log.stream().anyMatch(l -> l.startsWith(forged)));
        assertTrue(log.toString(), log.stream().anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\d [\\d:.]{12} INFO    "
                + "dev\\.intercessor\\.core\\.dispatch: " + name + " \\d+ mount refused by mount: /tmp/x\\\\n"
                + Pattern.quote(forged + "\\r\\x1b[2J is neither an image file nor a block device (ENOTBLK)"))));

        TestSetup.waitFor(() -> AuditFiles.records(AuditFiles.lines(auditDir), name).size() == 1,
                "the refusal in the audit log");
        String audit = AuditFiles.records(AuditFiles.lines(auditDir), name).get(0);
        System.out.println("audit log:\n" + audit);
        // strace's escapes (CallFormat), then JSON's
        assertTrue(audit, audit.contains("\"syscall\":\"mount\",\"arguments\":\"\\\"/tmp/x\\\\n" + forged
                + "\\\\x0d\\\\x1b[2J\\\""));
        assertTrue(audit, audit.contains("\"decision\":\"refused\",\"errno\":15,\"errnoName\":\"ENOTBLK\""));
        List<String> all = AuditFiles.lines(auditDir);
        assertTrue(all.toString(), all.stream().allMatch(l -> l.startsWith("{\"time\":\"")));
    }

    @Test
    public void oneContainersFloodCannotPushTheOthersRecordsOut() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (Container flood = Container.start(id("flood")); Container few = Container.start(id("few"))) {
            int seconds = 6;
            Future<Container.Result> calls = caller.submit(() -> flood.exec("/opt/t/calltest " + seconds + " mknodat"));
            Thread.sleep(2000); // well past its burst
            Container.Result made = few.exec("for i in $(seq 1 20); do mknod /dev/n$i c 1 3 || exit 1; done; echo made");
            assertEquals(made.toString(), "made\n", made.out());
            Container.Result flooded = calls.get(60, TimeUnit.SECONDS);
            assertTrue(flooded.toString(), flooded.exit() == 0 && flooded.out().startsWith("calls="));

            ContainerInfo a = supervision.container(flood.id()).orElseThrow();
            ContainerInfo b = supervision.container(few.id()).orElseThrow();
            long aAnswered = a.emulated() + a.refused();
            TestSetup.waitFor(() -> {
                List<String> lines = AuditFiles.lines(auditDir);
                return AuditFiles.records(lines, flood.id()).size() + AuditFiles.suppressed(lines, flood.id()) == aAnswered;
            }, "the flood to be accounted for in the audit log");
            List<String> lines = AuditFiles.lines(auditDir);
            long aLines = AuditFiles.records(lines, flood.id()).size();
            long aSuppressed = AuditFiles.suppressed(lines, flood.id());
            List<String> bLines = AuditFiles.records(lines, few.id());
            System.out.printf("flood: %s; %d refused calls, %d written, %d suppressed (%d summary lines); "
                    + "the other container: %d calls, %d written%n", flooded.out().trim(), aAnswered, aLines,
                    aSuppressed, AuditFiles.summaries(lines, flood.id()).size(), b.emulated() + b.refused(), bLines.size());

            assertEquals("every call of the other container is in the log", 20, b.emulated());
            assertEquals(bLines.toString(), 20, bLines.size());
            assertEquals(0, AuditFiles.suppressed(lines, few.id()));
            assertTrue("the flood got its burst and rate, no more: " + aLines,
                    aLines >= BURST && aLines <= BURST + RATE * (seconds + 2));
            assertTrue("the rest was counted: " + aSuppressed, aSuppressed > 10 * aLines);
            assertTrue("in a summary a second", AuditFiles.summaries(lines, flood.id()).size() >= seconds - 2);
        } finally {
            caller.shutdownNow();
        }
    }

}
