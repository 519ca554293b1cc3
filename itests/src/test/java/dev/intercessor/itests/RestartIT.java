package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

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
 * new node every 100 ms) in a loop while the daemon of an <em>older build</em> — commit
 * {@value #OLDER}, the first with the fd keeper and {@code restart}, built here from the
 * repository's history — is restarted twice, stopped for two seconds, and then replaced by this
 * build's distribution, in another directory sharing its run directory (an upgrade's layout); every
 * answer is the emulated one (the 256 MiB limit, a node made: the kernel would say the host's
 * memory and EPERM), and {@code containers} lists it after each start. Without that commit in the
 * history (a shallow clone) the older build is this one: the test then checks all the rest and
 * reports itself skipped, with the reason.
 */
public class RestartIT {

    /** The older release the upgrade starts from. */
    static final String OLDER = "29148e3";
    private static final long LIMIT = 256L << 20;
    private static PrivateDistribution first;
    private static PrivateDistribution upgrade;
    private static Path olderSource;

    @BeforeClass
    public static void copyDistributions() throws Exception {
        Path older = olderBuild();
        first = older == null ? PrivateDistribution.copy("restart-it")
                : PrivateDistribution.copy(older, "restart-it", "restart-it");
        upgrade = PrivateDistribution.copy("restart-it-upgrade", "restart-it");
    }

    /**
     * @return the older build's distribution, built from {@code git archive} of {@value #OLDER} in
     *         the work directory; null if the history lacks it
     */
    private static Path olderBuild() throws Exception {
        Path repository = Path.of(System.getProperty("user.dir")).getParent();
        if (Container.execute(List.of("git", "-C", repository.toString(), "cat-file", "-e", OLDER + "^{commit}")).exit() != 0) {
            System.err.println("RestartIT: commit " + OLDER + " is not in this clone's history: the upgrade starts "
                    + "from this build, not an older one");
            return null;
        }
        olderSource = Path.of(System.getProperty("intercessor.test.work"), "restart-it-older-source");
        Container.execute(List.of("rm", "-rf", olderSource.toString()));
        Files.createDirectories(olderSource);
        Container.Result unpacked = Container.execute(List.of("sh", "-c", "git -C '" + repository + "' archive " + OLDER
                + " | tar -x -C '" + olderSource + "'"));
        assertEquals(unpacked.toString(), 0, unpacked.exit());
        // Its own reactor, nothing installed: the older build never replaces this one's artifacts.
        Container.Result built = Container.execute(List.of("mvn", "-B", "-q", "-ntp", "-f",
                olderSource.resolve("pom.xml").toString(), "package", "-DskipTests", "-Dmaven.install.skip=true",
                "-pl", "distribution", "-am"));
        assertEquals(built.toString(), 0, built.exit());
        return olderSource.resolve("distribution/target/intercessor");
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
        if (olderSource != null) {
            Container.execute(List.of("rm", "-rf", olderSource.toString()));
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
            // Everything above held; whether the upgrade came from an older build is reported last.
            assumeTrue("commit " + OLDER + " is not in this clone's history (shallow?): restarts checked, but the "
                    + "upgrade was from this build, not an older one", olderSource != null);
            assertTrue("the older build ran first: no metrics bundle in it", !Files.exists(first.home()
                    .resolve("bundle").resolve("metrics-0.1.0-SNAPSHOT.jar")));
        } finally {
            container.destroy();
            Container.execute(List.of("runc", "kill", name, "KILL"));
            container.waitFor(20, TimeUnit.SECONDS);
            Container.execute(List.of("runc", "delete", "-f", name));
            Files.deleteIfExists(out);
        }
    }
}
