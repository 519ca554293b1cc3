package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A supervisor killed (SIGKILL) while a handler decides a call (issue 16): the module handler's
 * loader, a stand-in that sleeps, holds the call. The fd keeper keeps the caller's listener open,
 * so without more the caller would wait for good; the in-flight journal names the call, and the
 * next start answers it EINTR. A call made while no supervisor runs waits and is served.
 */
public class CrashIT {

    private static PrivateDistribution distribution;
    private static Path dir;

    @BeforeClass
    public static void setUp() throws Exception {
        distribution = PrivateDistribution.copy("crash-it");
        dir = TestImages.workDirectory("crash");
        Files.createDirectories(dir.resolve("images"));
        TestImages.module(dir.resolve("images/allowed.ko"), "name=dummy_allowed", "dummy_allowed");
        Path loader = dir.resolve("loader.sh");
        // Marks that it runs, with its pid (to end it afterwards), then holds the call.
        Files.writeString(loader, "#!/bin/sh\necho $$ > '" + dir.resolve("loading") + "'\nexec sleep 60\n");
        Files.setPosixFilePermissions(loader, PosixFilePermissions.fromString("rwx------"));
        Path home = distribution.home();
        Files.writeString(home.resolve("etc/dev.intercessor.module.cfg"), "loader=" + loader + "\ntimeoutMillis=120000\n");
        Files.writeString(home.resolve("etc/dev.intercessor.policy.cfg"), Files.readString(home.resolve(
                "etc/dev.intercessor.policy.cfg")) + "\nbound.module.enabled=true\nbound.module.allowed=dummy_allowed\n");
        Container.execute(List.of("chmod", "-R", "a+rX", dir.resolve("images").toString()));
    }

    @AfterClass
    public static void remove() throws Exception {
        if (distribution != null) {
            distribution.remove();
        }
        if (dir != null) {
            Container.execute(List.of("rm", "-rf", dir.toString()));
        }
    }

    @Test
    public void aCallBeingDecidedWhenTheSupervisorIsKilledIsAnsweredByTheNextOne() throws Exception {
        assertEquals(0, distribution.launcher("start").exit());
        String name = "it-crash-" + ProcessHandle.current().pid();
        Path out = dir.resolve("out");
        Process container = new ProcessBuilder(distribution.home().resolve("bin/intercessor").toString(), "run",
                "--listener", distribution.listener(), "--name", name, "--cap-add", "SYS_MODULE",
                "--syscalls", "finit_module,sysinfo", "--memory", "256m",
                "--annotation", "module.enabled=true", "--annotation", "module.allowed=dummy_allowed",
                "--bind", dir.resolve("images") + ":/opt/m:ro",
                "--bind", System.getProperty("intercessor.test.programs") + ":/opt/t:ro", "--",
                "sh", "-c", "/opt/t/moduletest finit /opt/m/allowed.ko; /opt/t/sysinfotest")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            TestSetup.waitFor(() -> Files.exists(dir.resolve("loading")), "the loader holding the call");
            long jvm = Long.parseLong(Files.readString(distribution.home().resolve("var/run/intercessor.pid")).trim());
            assertEquals(0, Container.execute(List.of("kill", "-KILL", Long.toString(jvm))).exit());
            TestSetup.waitFor(() -> ProcessHandle.of(jvm).isEmpty(), "the supervisor gone");
            Thread.sleep(2000);
            assertTrue("the caller still waits: " + Files.readString(out), container.isAlive());

            Container.Result started = distribution.launcher("start");
            assertEquals(started.toString(), 0, started.exit());
            assertTrue("the container ends once answered: " + Files.readString(out) + "\n" + Files.readString(
                    distribution.home().resolve("var/log/intercessor.log")), container.waitFor(30, TimeUnit.SECONDS));
            List<String> lines = Files.readAllLines(out);
            assertTrue(lines.toString(), lines.contains("errno=EINTR"));
            assertTrue("sysinfo after it, served by the new supervisor: " + lines,
                    lines.get(lines.size() - 1).startsWith("total=268435456 "));
            String log = Files.readString(distribution.home().resolve("var/log/intercessor.log"));
            assertTrue(log, log.contains("the last run ended while deciding 1 call(s); 1 still waited and are answered EINTR"));
        } finally {
            container.destroy();
            Container.execute(List.of("runc", "kill", name, "KILL"));
            container.waitFor(20, TimeUnit.SECONDS);
            Container.execute(List.of("runc", "delete", "-f", name));
            if (Files.exists(dir.resolve("loading"))) {
                Container.execute(List.of("kill", "-KILL", Files.readString(dir.resolve("loading")).trim()));
            }
        }
    }
}
