package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.intercessor.admin.Supervision;

/**
 * LXCFS, one view ({@code sysinfo.lxcfs}): with a real {@code lxcfs} the test starts on a mount
 * point of its own, a container's {@code /proc/meminfo} and {@code /proc/uptime} are LXCFS's and
 * agree with sysinfo; a path that is not an LXCFS mount, or one the operator does not allow, is
 * never mounted; without LXCFS running, a warning and the kernel's files.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LxcfsIT extends HandlerIT {

    private static final Path BASE = Path.of("/run/intercessor-itest");
    private Path mountPoint;
    private Path pidFile;
    private Process lxcfs;

    @Inject
    private ConfigurationAdmin configAdmin;
    @Inject
    private Supervision supervision;

    private OperatorPolicy operator;
    private LogCapture log;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.SYSINFO, "sysinfo");
        startLxcfs();
        operator = new OperatorPolicy(configAdmin, supervision);
        log = LogCapture.of("dev.intercessor.core");
    }

    @After
    public void tearDown() throws Exception {
        log.close();
        try {
            operator.restore();
        } finally {
            stopLxcfs();
        }
    }

    /** A real lxcfs on a mount point of this test, with its own pid file. */
    private void startLxcfs() throws Exception {
        Files.createDirectories(BASE);
        String name = "lxcfs-" + UUID.randomUUID().toString().substring(0, 8);
        mountPoint = BASE.resolve(name);
        Files.createDirectories(mountPoint);
        Path log = Path.of("target", name + ".log").toAbsolutePath();
        pidFile = BASE.resolve(name + ".pid");
        lxcfs = new ProcessBuilder("lxcfs", "-p", pidFile.toString(), mountPoint.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path mp = mountPoint;
        TestSetup.waitFor(() -> mounted(mp), "lxcfs mounted on " + mountPoint + " (log " + log + ")");
    }

    private static boolean mounted(Path dir) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .anyMatch(l -> l.split(" ")[4].equals(dir.toString()) && l.contains(" - fuse.lxcfs "));
    }

    private void stopLxcfs() throws Exception {
        if (lxcfs == null) {
            return;
        }
        lxcfs.destroy(); // SIGTERM to this pid: lxcfs unmounts and exits
        if (!lxcfs.waitFor(10, TimeUnit.SECONDS)) {
            lxcfs.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (mounted(mountPoint)) {
            Container.execute(List.of("umount", "-l", mountPoint.toString()));
        }
        Files.deleteIfExists(mountPoint);
        Files.deleteIfExists(pidFile);
        lxcfs = null;
    }

    private static long kib(String proc, String key) {
        for (String line : proc.split("\n")) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no " + key + " in " + proc);
    }

    private static long hostMemTotalKib() throws Exception {
        return kib(Files.readString(Path.of("/proc/meminfo")), "MemTotal");
    }

    private List<String> warnings() {
        return log.warnings();
    }

    /** What the container sees: MemTotal, free's total and used, /proc/uptime, sysinfo, mounts on /proc files. */
    private static final String LOOK = "grep MemTotal /proc/meminfo; echo ---; free | awk 'NR==2 {print $2, $3}'; echo ---; "
            + "cat /proc/uptime; echo ---; /opt/t/sysinfotest; echo ---; grep -c ' /proc/meminfo ' /proc/self/mountinfo";

    /** @param free busybox free's total and used columns (without LXCFS, used runs into total: one field) */
    private record Look(long memTotalKib, String[] free, double procUptime, Map<String, String> sysinfo,
            int meminfoMounts) {
        static Look of(Container.Result r) {
            String[] part = r.out().split("---\n");
            assertEquals(r.toString(), 5, part.length);
            return new Look(kib(part[0], "MemTotal"), part[1].trim().split("\\s+"),
                    Double.parseDouble(part[2].trim().split("\\s+")[0]), SysinfoIT.fields(part[3]), Integer.parseInt(part[4].trim()));
        }
    }

    @Test
    public void withLxcfsTheContainersProcAgreesWithSysinfo() throws Exception {
        operator.adds("bound.sysinfo.lxcfs", mountPoint.toString());
        Container.Result r = Container.run(id("lxcfs"), "sleep 1.2; " + LOOK, "--memory", "256M",
                "--lxcfs", mountPoint.toString());
        assertEquals(r.toString(), 0, r.exit());
        System.out.println("LxcfsIT, the container's view with LXCFS:\n" + r.out());
        Look look = Look.of(r);
        assertEquals(r.toString(), 262144, look.memTotalKib());
        assertEquals(r.toString(), 1, look.meminfoMounts());
        assertEquals("free's total is the limit: " + r, "262144", look.free()[0]);
        long used = Long.parseLong(look.free()[1]);
        assertTrue("free's used <= total: " + r, used >= 0 && used <= 262144);
        assertEquals(r.toString(), Long.toString(256L << 20), look.sysinfo().get("total"));
        long sysinfoUptime = Long.parseLong(look.sysinfo().get("uptime"));
        assertTrue("the container's age, not the host's: " + r, look.procUptime() < 60);
        assertTrue("/proc/uptime and sysinfo's uptime within a second: " + r,
                Math.abs(sysinfoUptime - look.procUptime()) <= 1.0);
        assertTrue(warnings().toString(), warnings().isEmpty());
    }

    @Test
    public void aProcessStartedByRuncExecSeesTheSameView() throws Exception {
        operator.adds("bound.sysinfo.lxcfs", mountPoint.toString());
        try (Container c = Container.start(id("lxcfs-exec"), "--memory", "256M", "--lxcfs", mountPoint.toString())) {
            Container.Result r = c.exec(LOOK);
            assertEquals(r.toString(), 262144, Look.of(r).memTotalKib());
            assertEquals("mounted once, at attach: " + r, 1, Look.of(r).meminfoMounts());
        }
    }

    /** Attack: the container names a directory of its choosing; the operator's bound narrows it away. */
    @Test
    public void aPathTheOperatorDidNotAllowIsNeverMounted() throws Exception {
        operator.adds("bound.sysinfo.lxcfs", mountPoint.toString());
        Container.Result r = Container.run(id("lxcfs-etc"), LOOK, "--memory", "256M", "--annotation", "sysinfo.lxcfs=/etc");
        Look look = Look.of(r);
        assertEquals(r.toString(), hostMemTotalKib(), look.memTotalKib());
        assertEquals(r.toString(), 0, look.meminfoMounts());
        assertEquals("sysinfo as without LXCFS: " + r, Long.toString(256L << 20), look.sysinfo().get("total"));
    }

    /** Attack: even a path the operator allowed is mounted only if it is the root of an LXCFS mount. */
    @Test
    public void aPathThatIsNotAnLxcfsMountIsNeverMounted() throws Exception {
        operator.adds("bound.sysinfo.lxcfs", mountPoint + ",/etc," + mountPoint.resolve("proc"));
        for (String path : List.of("/etc", mountPoint.resolve("proc").toString())) {
            log.clear();
            Container.Result r = Container.run(id("lxcfs-not"), LOOK, "--memory", "256M", "--lxcfs", path);
            Look look = Look.of(r);
            assertEquals(r.toString(), hostMemTotalKib(), look.memTotalKib());
            assertEquals(r.toString(), 0, look.meminfoMounts());
            assertTrue(path + ": " + warnings(), warnings().stream().anyMatch(m -> m.contains("sysinfo.lxcfs=" + path)
                    && m.contains("is not an LXCFS mount")));
        }
    }

    @Test
    public void withoutLxcfsRunningAWarningAndTheKernelsFiles() throws Exception {
        Path empty = BASE.resolve("lxcfs-none-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(empty);
        try {
            operator.adds("bound.sysinfo.lxcfs", empty.toString());
            Container.Result r = Container.run(id("lxcfs-none"), LOOK, "--memory", "256M", "--lxcfs", empty.toString());
            Look look = Look.of(r);
            assertEquals(r.toString(), hostMemTotalKib(), look.memTotalKib());
            assertEquals(r.toString(), 0, look.meminfoMounts());
            assertEquals("sysinfo as without LXCFS: " + r, Long.toString(256L << 20), look.sysinfo().get("total"));
            List<String> warnings = warnings();
            assertEquals(warnings.toString(), 1, warnings.stream().filter(m -> m.contains("no LXCFS view")).count());
            assertFalse(mounted(empty));
        } finally {
            Files.deleteIfExists(empty);
        }
    }

    /** LXCFS killed: its mount stays, and every access fails (ENOTCONN). */
    @Test
    public void aDeadLxcfsGivesAWarningAndTheKernelsFiles() throws Exception {
        operator.adds("bound.sysinfo.lxcfs", mountPoint.toString());
        lxcfs.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no unmount
        assertTrue(mounted(mountPoint));
        Container.Result r = Container.run(id("lxcfs-dead"), LOOK, "--memory", "256M", "--lxcfs", mountPoint.toString());
        Look look = Look.of(r);
        assertEquals(r.toString(), hostMemTotalKib(), look.memTotalKib());
        assertEquals(r.toString(), 0, look.meminfoMounts());
        assertEquals("sysinfo as without LXCFS: " + r, Long.toString(256L << 20), look.sysinfo().get("total"));
        assertEquals(warnings().toString(), 1, warnings().stream()
                .filter(m -> m.contains("no LXCFS view") && m.contains("does not answer")).count());
    }

    /** LXCFS stopped (SIGSTOP): the container waits at most 5 s for it, then keeps the kernel's files. */
    @Test
    public void aHungLxcfsHoldsTheContainerFiveSecondsAtMost() throws Exception {
        operator.adds("bound.sysinfo.lxcfs", mountPoint.toString());
        String pid = Long.toString(lxcfs.pid());
        Container.execute(List.of("kill", "-STOP", pid));
        try {
            long started = System.nanoTime();
            Container.Result r = Container.run(id("lxcfs-hung"), LOOK, "--memory", "256M", "--lxcfs", mountPoint.toString());
            double seconds = (System.nanoTime() - started) / 1e9;
            Look look = Look.of(r);
            assertEquals(r.toString(), hostMemTotalKib(), look.memTotalKib());
            assertEquals(r.toString(), 0, look.meminfoMounts());
            assertEquals("sysinfo as without LXCFS: " + r, Long.toString(256L << 20), look.sysinfo().get("total"));
            assertTrue("within 5 s and a little: " + seconds, seconds < 15);
            assertEquals(warnings().toString(), 1, warnings().stream()
                    .filter(m -> m.contains("no LXCFS view") && m.contains("did not answer within 5 s")).count());
        } finally {
            Container.execute(List.of("kill", "-CONT", pid));
        }
    }

    /** The runtime does not wait for the supervisor: the container's first program must still see LXCFS's files. */
    @Test
    public void theContainersFirstProgramSeesLxcfsFiles() throws Exception {
        operator.adds("bound.sysinfo.lxcfs", mountPoint.toString());
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            Container.Result r = Container.run(id("lxcfs-first"), "exec grep MemTotal /proc/meminfo", "--memory", "256M",
                    "--lxcfs", mountPoint.toString());
            seen.append(r.out());
        }
        assertEquals("MemTotal:         262144 kB\n".repeat(8), seen.toString());
    }
}
