package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * No call lost across restarts and an upgrade (issue 16): a container calls sysinfo (and mknod, a
 * new node every 100 ms) in a loop while the daemon is restarted twice, stopped for two seconds,
 * and then replaced by another distribution directory sharing its run directory (an upgrade's
 * layout); every answer is the emulated one (the 256 MiB limit, a node made: the kernel would say
 * the host's memory and EPERM), and {@code containers} lists it after each start.
 */
public class RestartIT {

    private static final long LIMIT = 256L << 20;
    private static PrivateDistribution first;
    private static PrivateDistribution upgrade;

    @BeforeClass
    public static void copyDistributions() throws Exception {
        first = PrivateDistribution.copy("restart-it");
        upgrade = PrivateDistribution.copy("restart-it-upgrade", "restart-it");
    }

    @AfterClass
    public static void remove() throws Exception {
        if (upgrade != null) {
            upgrade.launcher("stop");
        }
        if (first != null) {
            first.remove();
        }
        if (upgrade != null) {
            upgrade.remove();
        }
    }

    private static void awaitListed(PrivateDistribution d, String name) throws Exception {
        TestSetup.waitFor(() -> d.launcher("shell", "containers").out().lines().anyMatch(l -> l.startsWith(name + " ")),
                name + " listed by " + d.home());
    }

    @Test
    public void everyCallIsEmulatedAcrossRestartsAndAnUpgrade() throws Exception {
        Container.Result started = first.launcher("start");
        assertEquals(started.toString(), 0, started.exit());
        String name = "it-restart-" + ProcessHandle.current().pid();
        Path out = Files.createTempFile(Path.of(System.getProperty("intercessor.test.work")), "restart", ".out");
        Process container = new ProcessBuilder(first.home().resolve("bin/intercessor").toString(), "run", "--listener",
                first.listener(), "--name", name, "--memory", "256m",
                "--bind", System.getProperty("intercessor.test.programs") + ":/opt/t:ro", "--",
                "sh", "-c", "mkdir /tmp/d && /opt/t/calltest 25 emulated " + LIMIT + " /tmp/d")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            awaitListed(first, name);
            Thread.sleep(3000);
            for (int i = 0; i < 2; i++) {
                Container.Result restarted = first.launcher("restart");
                assertEquals(restarted.toString(), 0, restarted.exit());
                awaitListed(first, name);
                Thread.sleep(2000);
            }
            assertEquals(0, first.launcher("stop").exit());
            Thread.sleep(2000); // no supervisor at all: the calls wait in the kernel
            Container.Result upgraded = upgrade.launcher("start");
            assertEquals(upgraded.toString(), 0, upgraded.exit());
            awaitListed(upgrade, name);
            assertTrue("the container exited in time", container.waitFor(60, TimeUnit.SECONDS));
            List<String> lines = Files.readAllLines(out); // the rootfs being built, then calltest's line
            String result = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
            Matcher m = Pattern.compile("calls=(\\d+) nodes=(\\d+) unexpected=(\\d+).*").matcher(result);
            assertTrue(result, m.matches());
            assertEquals(result, "0", m.group(3));
            assertTrue(result, Long.parseLong(m.group(1)) > 1000);
            assertTrue(result, Long.parseLong(m.group(2)) > 100);
            String log = Files.readString(upgrade.home().resolve("var/log/intercessor.log"));
            assertTrue(log, log.contains("took back 1 notify fd(s) of 1 running container(s) from the fd keeper"));
        } finally {
            container.destroy();
            Container.execute(List.of("runc", "kill", name, "KILL"));
            container.waitFor(20, TimeUnit.SECONDS);
            Container.execute(List.of("runc", "delete", "-f", name));
            Files.deleteIfExists(out);
        }
    }
}
