package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code intercessor daemon} under a test that plays the service manager (issue 16): a datagram
 * socket as {@code $NOTIFY_SOCKET}; READY=1 arrives once the listener accepts, the log goes to
 * stderr, {@code intercessor health} is 0 and turns 1 once the listener socket is gone, SIGTERM
 * stops it with exit status 0 and no JVM left; and the unit file
 * {@code share/systemd/intercessor.service} as {@code systemd-analyze verify} sees it, where that
 * is installed.
 */
public class DaemonIT {

    private static PrivateDistribution distribution;

    @BeforeClass
    public static void copyDistribution() throws Exception {
        distribution = PrivateDistribution.copy("daemon-it");
    }

    @AfterClass
    public static void remove() throws Exception {
        distribution.remove();
    }

    @Test
    public void readyOnItsNotifySocketAndExitZeroOnSigterm() throws Exception {
        Path work = Files.createTempDirectory(Path.of(System.getProperty("intercessor.test.work")), "daemon");
        Path notify = work.resolve("notify.sock");
        Process manager = new ProcessBuilder(System.getProperty("intercessor.test.programs") + "/notifylisten",
                notify.toString(), "60").redirectErrorStream(true).start();
        Process daemon = null;
        try {
            assertEquals("listening", new java.io.BufferedReader(new java.io.InputStreamReader(
                    manager.getInputStream())).readLine());
            ProcessBuilder pb = new ProcessBuilder(distribution.home().resolve("bin/intercessor").toString(), "daemon")
                    .redirectOutput(work.resolve("stdout").toFile()).redirectError(work.resolve("stderr").toFile());
            pb.environment().put("NOTIFY_SOCKET", notify.toString());
            daemon = pb.start();
            assertTrue("READY=1 within 60 s", manager.waitFor(70, TimeUnit.SECONDS));
            String said = new String(manager.getInputStream().readAllBytes());
            assertEquals(said, 0, manager.exitValue());
            assertTrue(said, said.contains("STATUS=listening on " + distribution.listener()));
            assertTrue("the listener accepts once READY=1 came", Files.exists(Path.of(distribution.listener())));
            assertTrue(distribution.launcher("status").out().contains("is running"));

            // Health for liveness probes: healthy now; unhealthy once the listener socket is gone.
            Container.Result healthy = distribution.launcher("health");
            assertEquals(healthy.toString(), 0, healthy.exit());
            assertTrue(healthy.toString(), healthy.out().contains("oci-listener") && healthy.out().contains("accepting"));
            Files.delete(Path.of(distribution.listener()));
            Container.Result sick = distribution.launcher("health");
            assertEquals(sick.toString(), 1, sick.exit());
            assertTrue(sick.toString(), sick.err().contains("oci-listener: " + distribution.listener() + " is gone"));

            long jvm = Long.parseLong(Files.readString(distribution.home().resolve("var/run/intercessor.pid")).trim());
            daemon.toHandle().destroy(); // SIGTERM, as systemctl stop sends it
            assertTrue("stopped within 30 s", daemon.waitFor(30, TimeUnit.SECONDS));
            assertEquals(Files.readString(work.resolve("stderr")), 0, daemon.exitValue());
            assertFalse("no JVM left", ProcessHandle.of(jvm).map(ProcessHandle::isAlive).orElse(false));
            String log = Files.readString(work.resolve("stderr"));
            assertTrue("the log on stderr: " + log, log.contains("OCI seccomp agent listening on " + distribution.listener()));
        } finally {
            if (daemon != null && daemon.isAlive()) {
                daemon.destroyForcibly();
            }
            manager.destroyForcibly();
            Container.execute(List.of("rm", "-rf", work.toString()));
        }
    }

    @Test
    public void versionIsTheCoreBundles() throws Exception {
        Container.Result v = distribution.launcher("--version");
        assertEquals(v.toString(), 0, v.exit());
        assertTrue(v.toString(), v.out().matches("intercessor \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n"));
        assertEquals(v.out(), distribution.launcher("version").out());
    }

    @Test
    public void theUnitFileVerifies() throws Exception {
        Path unit = distribution.home().resolve("share/systemd/intercessor.service");
        assertTrue(Files.readString(unit).contains("ExecStart=/opt/intercessor/bin/intercessor daemon"));
        boolean analyzer = Container.execute(List.of("sh", "-c", "command -v systemd-analyze")).exit() == 0;
        assumeTrue("systemd-analyze is not installed here (no systemd): the unit is not verified", analyzer);
        // Its ExecStart pointed at this copy, whose launcher exists (verify checks that it does).
        Path work = Files.createTempDirectory(Path.of(System.getProperty("intercessor.test.work")), "unit");
        Path copy = work.resolve("intercessor.service");
        Files.writeString(copy, Files.readString(unit).replace("/opt/intercessor/", distribution.home() + "/"));
        try {
            Container.Result r = Container.execute(List.of("systemd-analyze", "verify", copy.toString()));
            assertEquals(r.toString(), 0, r.exit());
        } finally {
            Container.execute(List.of("rm", "-rf", work.toString()));
        }
    }
}
