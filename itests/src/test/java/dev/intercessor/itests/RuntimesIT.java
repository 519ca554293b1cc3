package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.After;
import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Real engines and runtimes against the supervisor, run as docs/RUNTIMES.md shows them: Podman
 * with runc and with crun (through the distribution's {@code libexec/crun-hybrid}) and a profile
 * that {@code intercessor profile} made from Podman's own; crun itself with the config.json of
 * {@code intercessor run --print-config}; containerd's {@code ctr} with a plain OCI profile. In
 * each, a user-namespaced container makes a usable /dev/null with mknod and sees its memory limit
 * in sysinfo, in its first process and in one exec'd into it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimesIT extends HandlerIT {

    private static final String PODMAN_PROFILE = "/usr/share/containers/seccomp.json";
    private static final List<String> USERNS = List.of("--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536");
    private static final long MEMORY = 256L << 20;
    /**
     * The host uid of the container's root; a /dev/null made with mknod and written to; the
     * memory total busybox free shows (kB; the total column: its "used" subtracts the host's page
     * cache, which sysinfo cannot change, and runs into it). As docs/RUNTIMES.md has it.
     */
    private static final String PROBE = "awk \"{print \\$2}\" /proc/self/uid_map && mknod /tmp/n c 1 3 && echo x > /tmp/n"
            + " && stat -c \"%F %t:%T\" /tmp/n && free | awk \"NR==2 {print substr(\\$0, 5, 15) + 0}\"";
    /** What PROBE prints where mknod and sysinfo are emulated. */
    private static final String EMULATED = "100000\ncharacter special file 1:3\n" + (MEMORY >> 10) + "\n";

    /** This test's own directory: profiles, stores, bundles. */
    private Path dir;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
        startHandler(TestSetup.SYSINFO, "sysinfo");
        dir = Path.of(System.getProperty("intercessor.test.work"), "runtimes-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(dir);
    }

    @After
    public void tearDown() throws Exception {
        HostLeftovers.removeTree(dir);
    }

    // ---------------------------------------------------------------------------------------------
    // Podman
    // ---------------------------------------------------------------------------------------------

    @Test
    public void podmanRunWithRuncGetsMknodAndSysinfoEmulated() throws Exception {
        try (Podman podman = podman()) {
            Container.Result r = podman.podman(podmanRun("runc", podmanProfile(), "--rm", BusyboxImage.NAME, "sh", "-c", PROBE));
            assertEquals(r.toString(), EMULATED, r.out());
        }
    }

    @Test
    public void podmanExecWithRuncGetsMknodAndSysinfoEmulated() throws Exception {
        try (Podman podman = podman()) {
            String id = id("podman-runc-exec");
            podman.check(podmanRun("runc", podmanProfile(), "--detach", "--name", id, BusyboxImage.NAME, "sleep", "600"));
            Container.Result r = podman.podman("exec", "-i", id, "sh", "-c", PROBE);
            assertEquals(r.toString(), EMULATED, r.out());
        }
    }

    @Test
    public void podmanRunWithCrunGetsMknodAndSysinfoEmulated() throws Exception {
        try (Podman podman = podman()) {
            Container.Result r = podman.podman(podmanRun(crun(), podmanProfile(), "--rm", BusyboxImage.NAME, "sh", "-c", PROBE));
            assertEquals(r.toString(), EMULATED, r.out());
        }
    }

    @Test
    public void podmanExecWithCrunGetsMknodAndSysinfoEmulated() throws Exception {
        try (Podman podman = podman()) {
            String id = id("podman-crun-exec");
            podman.check(podmanRun(crun(), podmanProfile(), "--detach", "--name", id, BusyboxImage.NAME, "sleep", "600"));
            Container.Result r = podman.podman("exec", "-i", id, "sh", "-c", PROBE);
            assertEquals(r.toString(), EMULATED, r.out());
        }
    }

    /**
     * The generated profile changes only the rules of the syscalls it sends to the listener:
     * userfaultfd (refused by Podman's profile in every case) and kcmp (refused without
     * CAP_SYS_PTRACE) stay refused, while the kernel would give the container both, as it does
     * without a profile.
     */
    @Test
    public void syscallsPodmansProfileRefusesStayRefusedWithTheGeneratedProfile() throws Exception {
        try (Podman podman = podman()) {
            String probe = "/opt/t/blockedtest userfaultfd; /opt/t/blockedtest kcmp; mknod /tmp/n c 1 3 && echo mknod-ok";
            Container.Result confined = podman.podman(podmanRun("runc", podmanProfile(), "--rm", BusyboxImage.NAME,
                    "sh", "-c", probe));
            assertEquals(confined.toString(), "errno=EPERM\nerrno=EPERM\nmknod-ok\n", confined.out());
            Container.Result unconfined = podman.podman(podmanRun("runc", "unconfined", "--rm", BusyboxImage.NAME,
                    "sh", "-c", probe));
            // (mknod goes to the kernel too, which refuses a device node in a user namespace)
            assertEquals(unconfined.toString(), "ok\nok\n", unconfined.out());
        }
    }

    /** A store of the test's own, with the busybox image imported. */
    private Podman podman() throws Exception {
        Assume.assumeTrue("podman is not installed", Podman.installed());
        Assume.assumeTrue(PODMAN_PROFILE + " (Podman's seccomp profile, containers-common) is missing",
                Files.isRegularFile(Path.of(PODMAN_PROFILE)));
        Podman podman = Podman.create(dir.resolve("podman"));
        try {
            podman.check("import", BusyboxImage.layer(dir).toString(), BusyboxImage.NAME);
        } catch (IOException | RuntimeException e) {
            podman.close();
            throw e;
        }
        return podman;
    }

    /**
     * {@code podman run} as docs/RUNTIMES.md shows it: a user namespace, no network, CAP_MKNOD
     * (not in Podman's default set), a memory limit, the profile (or {@code unconfined}), the test
     * programs at /opt/t. {@code -i}: stdin a pipe (without it conmon gives the runtime /dev/null,
     * which crun would give to the container's root). The ulimits: Podman's defaults are above
     * root's hard limits here, and root lacks CAP_SYS_RESOURCE.
     */
    private static String[] podmanRun(String runtime, String profile, String... rest) {
        List<String> args = new ArrayList<>(List.of("run", "-i", "--runtime", runtime, "--network", "none",
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"));
        args.addAll(USERNS);
        args.addAll(List.of("--cap-add", "MKNOD", "--memory", (MEMORY >> 20) + "m", "--security-opt", "seccomp=" + profile,
                "--volume", Container.PROGRAMS + ":/opt/t:ro"));
        args.addAll(Arrays.asList(rest));
        return args.toArray(new String[0]);
    }

    /** {@code intercessor profile} from Podman's profile, for the test listener. */
    private String podmanProfile() throws Exception {
        return profile("--base", PODMAN_PROFILE);
    }

    private String profile(String... options) throws Exception {
        Path out = dir.resolve("seccomp-" + UUID.randomUUID().toString().substring(0, 8) + ".json");
        List<String> command = new ArrayList<>(List.of(Container.HOME.resolve("bin/intercessor").toString(), "profile",
                "--listener", TestSetup.LISTENER, "--output", out.toString()));
        command.addAll(Arrays.asList(options));
        Container.Result r = Container.execute(command);
        assertEquals(r.toString(), 0, r.exit());
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // crun
    // ---------------------------------------------------------------------------------------------

    @Test
    public void crunRunGetsMknodAndSysinfoEmulated() throws Exception {
        String id = id("crun-run");
        List<String> crun = crunCommand();
        Path bundle = crunBundle(id, "sh", "-c", PROBE);
        try {
            Container.Result r = Container.execute(concat(crun, "run", "--bundle", bundle.toString(), id));
            assertEquals(r.toString(), EMULATED, r.out());
        } finally {
            Container.execute(concat(crun, "delete", "--force", id));
        }
    }

    @Test
    public void crunExecGetsMknodAndSysinfoEmulated() throws Exception {
        String id = id("crun-exec");
        List<String> crun = crunCommand();
        Path bundle = crunBundle(id, "sleep", "600");
        try {
            // Detached, the container keeps crun's stdio: files of its own, never the test's pipes.
            Path stdin = Files.createFile(bundle.resolve("stdin"));
            Process p = new ProcessBuilder(concat(crun, "run", "--detach", "--bundle", bundle.toString(), id))
                    .redirectInput(stdin.toFile()).redirectErrorStream(true)
                    .redirectOutput(bundle.resolve("output").toFile()).start();
            assertTrue("crun run --detach within 60 s", p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(Files.readString(bundle.resolve("output")), 0, p.exitValue());
            Container.Result r = Container.execute(concat(crun, "exec", id, "sh", "-c", PROBE));
            assertEquals(r.toString(), EMULATED, r.out());
        } finally {
            Container.execute(concat(crun, "delete", "--force", id));
        }
    }

    /** The distribution's crun-hybrid, with crun's state in this test's directory. */
    private List<String> crunCommand() throws Exception {
        return List.of(crun(), "--root", dir.resolve("crun").toString());
    }

    /** @return the distribution's crun-hybrid, if crun is installed */
    private static String crun() throws Exception {
        Assume.assumeTrue("crun is not installed", Container.execute(List.of("crun", "--version")).exit() == 0);
        return Container.HOME.resolve("libexec/crun-hybrid").toString();
    }

    /** A bundle whose config.json is {@code intercessor run --print-config}'s. */
    private Path crunBundle(String id, String... command) throws Exception {
        BusyboxImage.rootfs();
        Path bundle = Files.createDirectories(dir.resolve("bundle-" + id));
        List<String> print = new ArrayList<>(List.of(Container.HOME.resolve("bin/intercessor").toString(), "run",
                "--print-config", "--name", id, "--listener", TestSetup.LISTENER, "--memory", (MEMORY >> 20) + "m",
                "--bind", Container.PROGRAMS + ":/opt/t:ro", "--"));
        print.addAll(Arrays.asList(command));
        Container.Result config = Container.execute(print);
        assertEquals(config.toString(), 0, config.exit());
        Files.writeString(bundle.resolve("config.json"), config.out());
        return bundle;
    }

    // ---------------------------------------------------------------------------------------------
    // containerd
    // ---------------------------------------------------------------------------------------------

    @Test
    public void ctrRunInAUserNamespaceGetsMknodAndSysinfoEmulated() throws Exception {
        try (Containerd containerd = containerd()) {
            String id = id("ctr-run");
            Container.Result r = containerd.ctr(ctrRun(containerd, id, ociProfile(), "--rm", BusyboxImage.NAME, id,
                    "sh", "-c", PROBE));
            assertEquals(r.toString(), EMULATED, r.out());
        }
    }

    @Test
    public void ctrTaskExecGetsMknodAndSysinfoEmulated() throws Exception {
        try (Containerd containerd = containerd()) {
            String id = id("ctr-exec");
            Container.Result started = containerd.ctr(ctrRun(containerd, id, ociProfile(), "--detach", BusyboxImage.NAME,
                    id, "sleep", "600"));
            assertEquals(started.toString(), 0, started.exit());
            List<String> exec = new ArrayList<>(List.of("task", "exec"));
            exec.addAll(containerd.execOptions());
            exec.addAll(List.of("--exec-id", "probe", id, "sh", "-c", PROBE));
            Container.Result r = containerd.ctr(exec.toArray(new String[0]));
            assertEquals(r.toString(), EMULATED, r.out());
        }
    }

    /**
     * {@code ctr run --rootfs} (1.6) drops {@code --uidmap}/{@code --gidmap} without a word: the
     * container's root is host root. The supervisor then emulates nothing and says so; its calls
     * go to the kernel (sysinfo shows the host's memory).
     */
    @Test
    public void ctrRunWithRootfsHasNoUserNamespaceAndTheSupervisorLeavesItToTheKernel() throws Exception {
        RecordedLog log = new RecordedLog();
        Logger.getLogger("").addHandler(log);
        try (Containerd containerd = containerd()) {
            String id = id("ctr-rootfs");
            Path rootfs = dir.resolve("rootfs");
            Container.Result copy = Container.execute(List.of("cp", "-a", BusyboxImage.rootfs().toString(), rootfs.toString()));
            assertEquals(copy.toString(), 0, copy.exit());
            Container.Result r = containerd.ctr(ctrRun(containerd, id, ociProfile(), "--rm", "--rootfs", "--env",
                    "PATH=/bin", rootfs.toString(), id, "sh", "-c",
                    "awk '{print $2}' /proc/self/uid_map && free | awk 'NR==2 {print substr($0, 5, 15) + 0}'"));
            assertEquals(r.toString(), "0\n" + hostMemTotalKb() + "\n", r.out());
            TestSetup.waitFor(() -> log.messages.contains("WARNING container " + id + " is not user-namespaced (its root "
                    + "is host root): nothing is emulated for it, every trapped call goes to the kernel"),
                    "the supervisor's warning for " + id);
        } finally {
            Logger.getLogger("").removeHandler(log);
        }
    }

    private Containerd containerd() throws Exception {
        Assume.assumeTrue("containerd, containerd-shim-runc-v2 or ctr is not installed", Containerd.installed());
        Containerd containerd = Containerd.start(dir.resolve("containerd"));
        try {
            Container.Result r = containerd.ctr("image", "import", BusyboxImage.ociArchive(dir).toString());
            assertEquals(r.toString(), 0, r.exit());
        } catch (Exception | AssertionError e) {
            containerd.close();
            throw e;
        }
        return containerd;
    }

    /**
     * {@code ctr run} as docs/RUNTIMES.md shows it: the profile (seccomp must be on for
     * seccomp-profile to count), a user namespace, a memory limit, the test programs at /opt/t;
     * plus this containerd's own FIFO and runc directories, and a cgroup under /intercessor.
     */
    private static String[] ctrRun(Containerd containerd, String id, String profile, String... rest) {
        List<String> args = new ArrayList<>(List.of("run"));
        args.addAll(containerd.runOptions());
        args.addAll(List.of("--cgroup", "/intercessor/" + id, "--seccomp", "--seccomp-profile", profile));
        args.addAll(USERNS);
        args.addAll(List.of("--memory-limit", Long.toString(MEMORY),
                "--mount", "type=bind,src=" + Container.PROGRAMS + ",dst=/opt/t,options=rbind:ro"));
        args.addAll(Arrays.asList(rest));
        return args.toArray(new String[0]);
    }

    /** {@code intercessor profile} without a base: containerd reads plain OCI {@code linux.seccomp}. */
    private String ociProfile() throws Exception {
        return profile();
    }

    // ---------------------------------------------------------------------------------------------

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all;
    }

    private static long hostMemTotalKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no MemTotal in /proc/meminfo");
    }

    /** The framework's log records, as "LEVEL message". */
    private static final class RecordedLog extends Handler {
        final List<String> messages = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            messages.add(record.getLevel() + " " + record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
