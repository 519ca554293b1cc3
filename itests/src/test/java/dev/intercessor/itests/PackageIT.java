package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.Test;

/**
 * The Debian package (issue 16), as on a fresh host: {@code dpkg -i} of the .deb the build made,
 * the FHS layout it installs, the supervisor started as a service manager would start it
 * ({@code intercessor daemon}, READY=1 on a notify socket), an unprivileged demo container whose
 * mknod it emulates, SIGTERM; then an upgrade over a running {@code intercessor start} with a
 * container calling throughout (every answer emulated, the daemon running again after it);
 * {@code dpkg --purge}, and nothing left. Skipped, saying why, where
 * the build made no .deb (no dpkg-deb) or a package named intercessor is installed already (it is
 * not this test's to replace).
 */
public class PackageIT {

    private static final List<Path> INSTALLED = List.of(Path.of("/usr/lib/intercessor"), Path.of("/etc/intercessor"),
            Path.of("/var/lib/intercessor"), Path.of("/var/log/intercessor"), Path.of("/usr/bin/intercessor"),
            Path.of("/lib/systemd/system/intercessor.service"));

    /** The handlers the calls below need, as the daemon logs them once bound. */
    private static final List<String> NEEDED = List.of("handler mknod [", "handler sysinfo [");

    /** Waits until {@code log} names the handlers the calls below need. */
    private static void awaitHandlers(Path log) throws Exception {
        TestSetup.waitFor(() -> Files.exists(log) && NEEDED.stream().allMatch(Files.readString(log)::contains),
                "mknod and sysinfo in " + log);
    }

    /** @return the package's daemon log (the rotated file first), or what is missing */
    private static String daemonLog() throws Exception {
        StringBuilder log = new StringBuilder();
        for (String name : List.of("intercessor.log.1", "intercessor.log")) {
            Path file = Path.of("/var/log/intercessor", name);
            if (Files.exists(file)) {
                log.append(Files.readString(file));
            }
        }
        return log.length() > 0 ? log.toString() : "(no log)";
    }

    private static Path deb() throws Exception {
        Path target = Path.of(System.getProperty("intercessor.home")).getParent();
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().matches("intercessor_.*\\.deb")).findFirst().orElse(null);
        }
    }

    @Test
    public void installsStartsServesAndPurges() throws Exception {
        Path deb = deb();
        assumeTrue("the build made no .deb (dpkg-deb missing)", deb != null);
        assumeTrue("a package named intercessor is installed here already", !Container.execute(
                List.of("dpkg-query", "-W", "-f=${Status}", "intercessor")).out().contains("installed"));
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("intercessor.test.work"))), "package");
        Process daemon = null;
        try {
            Container.Result installed = Container.execute(List.of("dpkg", "-i", deb.toString()));
            assertEquals(installed.toString(), 0, installed.exit());
            for (Path p : INSTALLED) {
                assertTrue(p + " installed", Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
            }
            assertEquals(Path.of("/etc/intercessor"), Files.readSymbolicLink(Path.of("/usr/lib/intercessor/etc")));
            assertTrue(Container.execute(List.of("/usr/bin/intercessor", "--version")).out().startsWith("intercessor "));
            assertTrue(Files.readString(Path.of("/lib/systemd/system/intercessor.service"))
                    .contains("ExecStart=/usr/lib/intercessor/bin/intercessor daemon"));

            Path notify = work.resolve("notify.sock");
            Process manager = new ProcessBuilder(System.getProperty("intercessor.test.programs") + "/notifylisten",
                    notify.toString(), "60").redirectErrorStream(true).redirectOutput(work.resolve("notify").toFile()).start();
            TestSetup.waitFor(() -> Files.exists(notify), "the notify socket");
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/intercessor", "daemon").redirectErrorStream(true)
                    .redirectOutput(work.resolve("daemon.log").toFile());
            pb.environment().put("NOTIFY_SOCKET", notify.toString());
            daemon = pb.start();
            assertTrue("READY=1 within 60 s", manager.waitFor(70, TimeUnit.SECONDS));
            assertEquals(Files.readString(work.resolve("notify")), 0, manager.exitValue());
            // READY=1, like start, says the listener accepts; the handlers follow from deploy/.
            awaitHandlers(work.resolve("daemon.log"));

            Container.Result demo = Container.execute(List.of("/usr/bin/intercessor", "run", "--", "sh", "-c",
                    "mknod /dev/n c 1 3 && echo x > /dev/n && echo emulated"));
            assertTrue(demo.toString(), demo.out().endsWith("emulated\n"));
            assertTrue("the daemon's log on its stderr (journald's under systemd)", Files.readString(
                    work.resolve("daemon.log")).contains("OCI seccomp agent listening on /run/intercessor/oci.sock"));

            daemon.toHandle().destroy();
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
            assertEquals(Files.readString(work.resolve("daemon.log")), 0, daemon.exitValue());

            // An upgrade (the package installed over itself) with a container calling all along:
            // without systemd, it stops the daemon `intercessor start` began and starts it again.
            assertEquals(0, Container.execute(List.of("/usr/bin/intercessor", "start")).exit());
            // The daemon above logged to its stderr alone: this file is start's.
            awaitHandlers(Path.of("/var/log/intercessor/intercessor.log"));
            Path calls = work.resolve("calls");
            Process caller = new ProcessBuilder("/usr/bin/intercessor", "run", "--memory", "256m", "--bind",
                    System.getProperty("intercessor.test.programs") + ":/opt/t:ro", "--", "sh", "-c",
                    "mkdir /tmp/d && /opt/t/calltest 12 emulated " + (256L << 20) + " /tmp/d")
                    .redirectErrorStream(true).redirectOutput(calls.toFile()).start();
            Thread.sleep(4000);
            Container.Result upgraded = Container.execute(List.of("dpkg", "-i", deb.toString()));
            assertEquals(upgraded.toString(), 0, upgraded.exit());
            assertTrue("the caller finished", caller.waitFor(60, TimeUnit.SECONDS));
            List<String> lines = Files.readAllLines(calls);
            String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
            // The purge takes the log with it: the message carries what the daemons logged.
            assertTrue(lines + "\n--- /var/log/intercessor/intercessor.log\n" + daemonLog(),
                    last.matches("calls=\\d+ nodes=\\d+ unexpected=0"));
            assertEquals("running again after the upgrade", 0,
                    Container.execute(List.of("/usr/bin/intercessor", "status")).exit());
            assertEquals(0, Container.execute(List.of("/usr/bin/intercessor", "stop")).exit());
        } finally {
            if (daemon != null && daemon.isAlive()) {
                daemon.destroyForcibly();
                daemon.waitFor(10, TimeUnit.SECONDS);
            }
            Container.Result purged = Container.execute(List.of("dpkg", "--purge", "intercessor"));
            Container.execute(List.of("rm", "-rf", work.toString()));
            assertEquals(purged.toString(), 0, purged.exit());
        }
        for (Path p : INSTALLED) {
            assertFalse(p + " left after purge", Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
        assertFalse("run's lock left after purge (no run holds it)", Files.exists(Path.of("/run/intercessor-run.lock")));
    }
}
