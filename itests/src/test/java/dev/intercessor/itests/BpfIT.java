package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * bpf() for device-cgroup programs in real unprivileged runc containers whose cgroup v2
 * directory is delegated to them ({@code intercessor run --delegate-cgroup}), as a nested
 * manager would have it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BpfIT extends HandlerIT {

    private static final String BPF = "dev.intercessor.handler.bpf";
    /** Where the container sees its own cgroup v2 directory (hybrid host). */
    private static final String CGROUP = "/sys/fs/cgroup/unified";
    private static final String[] ENABLED = {"--delegate-cgroup", "--syscalls", "bpf",
        "--annotation", "bpf.enabled=true"};

    @Before
    public void setUp() throws Exception {
        startHandler(BPF, "bpf");
    }

    private static String[] with(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    public void aDeviceProgramLoadedForTheContainerDeniesZeroAndTheHostPolicyStillHolds() throws Exception {
        // A host node of c 240:0 (a major for local use, no driver here), 0644: anyone may open it
        // as a file, but runc's device policy does not list it, so the container's v1 devices
        // cgroup says EPERM (with the cgroup's leave, the open would end in ENXIO: no driver).
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bpf-dev");
        Path node = dir.resolve("forbidden");
        try {
            Container.Result made = Container.execute(List.of("mknod", "-m", "0644", node.toString(), "c", "240", "0"));
            assertEquals(made.toString(), 0, made.exit());
            try (Container c = Container.start(id("device"), with(ENABLED, "--bind", node + ":/dev/forbidden"))) {
                Container.Result before = c.exec("head -c 1 /dev/zero | wc -c; cat /dev/forbidden 2>&1 | grep -c 'not permitted'");
                assertEquals("zero opens before; the forbidden node never does\n", "1\n1\n", before.out());

                Container.Result r = c.exec("BPFTEST_OPEN=/dev/forbidden /opt/t/bpftest device " + CGROUP);
                String out = r.out();
                assertTrue(out, out.matches("(?s)load=\\d+\nlog_bytes=[1-9]\\d*\ncgroup_before=/\nattach=ok\nmove=ok\n"
                        + "zero=errno=EPERM\nnull=ok\nextra=errno=EPERM\ncleanup=ok\n"));
            }
        } finally {
            Files.deleteIfExists(node);
            Files.delete(dir);
        }
    }

    /**
     * Programs the verifier passes only for a loader with CAP_PERFMON (or CAP_SYS_ADMIN): each
     * turns a bit of kernel memory or of a kernel address into the device decision, which the
     * container reads by opening a device. The supervisor loads with CAP_BPF and CAP_NET_ADMIN
     * only, so the verifier refuses them as it would for an unprivileged loader.
     */
    @Test
    public void programsOnlyAPrivilegedVerifierPassesAreRefused() throws Exception {
        String[][] attacks = {
            {"uninit", "invalid read from stack R10 off=-8 size=8"},
            {"ptrcmp", "R10 pointer comparison prohibited"},
            {"ptrleak", "R10 partial copy of pointer"}};
        // The host's root (every capability) gets them through: each is a real leak of a privileged load.
        for (String[] a : attacks) {
            Container.Result host = Container.execute(List.of(
                    Path.of(System.getProperty("intercessor.test.programs"), "bpftest").toString(), "attack", a[0]));
            assertTrue(a[0] + " on the host: " + host, host.out().matches("load=\\d+\nrefusal=\n"));
        }
        try (Container c = Container.start(id("attack"), ENABLED)) {
            for (String[] a : attacks) {
                assertEquals(a[0], "load=errno=EACCES\nrefusal=" + a[1] + "\n", c.exec("/opt/t/bpftest attack " + a[0]).out());
            }
            // The legitimate program still loads, next to them.
            assertTrue(c.exec("/opt/t/bpftest type device").out().matches("load=\\d+\n"));
        }
    }

    @Test
    public void aContainerHasAtMostMaxProgramsLoadedAtATime() throws Exception {
        try (Container c = Container.start(id("limit"), with(ENABLED, "--annotation", "bpf.maxPrograms=4"))) {
            // Six loads holding every fd: four pass; closing two frees two slots, not three.
            assertEquals("loaded=4\nrefused=errno=EPERM\nclosed=2\nreloaded=2\nrefused_again=errno=EPERM\n",
                    c.exec("/opt/t/bpftest hold 6 2 3").out());
            // That process ended, its fds closed, its programs freed: all four slots are free again.
            assertEquals("loaded=4\nrefused=none\nclosed=0\nreloaded=0\nrefused_again=none\n",
                    c.exec("/opt/t/bpftest hold 4 0 0").out());
        }
        try (Container c = Container.start(id("limit64"), ENABLED)) {
            assertEquals("the default, 64", "loaded=64\nrefused=errno=EPERM\nclosed=0\nreloaded=0\nrefused_again=none\n",
                    c.exec("/opt/t/bpftest hold 65 0 0").out());
        }
    }

    /**
     * Held programs are charged to the container's memory cgroup (cgroup v1 here: the loading
     * thread joins it for the load), and the supervisor's threads are back in their own after.
     */
    @Test
    public void aProgramsKernelMemoryIsChargedToTheContainer() throws Exception {
        try (Container c = Container.start(id("memcg"), ENABLED)) {
            Path memcg = Path.of("/sys/fs/cgroup/memory/intercessor", c.id());
            long without = kernelMemoryWhileHolding(c, memcg, 0);
            long with = kernelMemoryWhileHolding(c, memcg, 48);
            // 48 programs of 4096 instructions: about 40 KiB each measured (the JIT image is not
            // charged). Charges move in batches of 64 pages per CPU: 1 MiB leaves room for that.
            System.out.println("bpf: the container's kernel memory holding 48 programs of 4096 instructions: "
                    + (with - without) / 1024 + " KiB more than holding none");
            assertTrue("kmem " + without + " holding none, " + with + " holding 48", with - without > (1 << 20));
            long self = ProcessHandle.current().pid();
            for (String tid : Files.readAllLines(memcg.resolve("tasks"))) {
                assertTrue("supervisor thread " + tid + " left in " + memcg,
                        !Files.exists(Path.of("/proc", Long.toString(self), "task", tid.trim())));
            }
        }
    }

    /** @return the memory cgroup's kernel memory while a process in the container holds {@code n} big programs */
    private static long kernelMemoryWhileHolding(Container c, Path memcg, int n) throws Exception {
        Process p = new ProcessBuilder("runc", "exec", "--env", "BPFTEST_BIG=1", c.id(), "/opt/t/bpftest", "hold",
                Integer.toString(n), "0", "0", "wait").start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String l; (l = out.readLine()) != null && !l.startsWith("held=");) {
            lines.add(l);
        }
        assertTrue(lines.toString(), lines.contains("loaded=" + n) && lines.contains("refused=none"));
        long kmem = Long.parseLong(Files.readString(memcg.resolve("memory.kmem.usage_in_bytes")).trim());
        p.getOutputStream().close();
        assertEquals(0, p.waitFor());
        return kmem;
    }

    @Test
    public void aProgramTheHostAttachedAboveCannotBeLiftedFromInside() throws Exception {
        try (Container c = Container.start(id("above"), ENABLED)) {
            // The host's device policy on cgroup v2 is a program on the container's cgroup (runc
            // puts one there on a v2 host). Here the host attaches one that denies /dev/zero, with
            // its own bpf(); it stays attached until the cgroup goes with the container.
            Path own = Path.of(CGROUP, "intercessor", c.id());
            Container.Result host = Container.execute(List.of(
                    Path.of(System.getProperty("intercessor.test.programs"), "bpftest").toString(),
                    "attachfd", own.toString()));
            assertTrue(host.toString(), host.out().matches("load=\\d+\nattach=ok\n"));
            assertEquals("denied", c.exec("head -c 1 /dev/zero >/dev/null 2>&1 && echo opened || echo denied")
                    .out().trim());

            // The container's own program, below it, allows every device: zero stays denied.
            Container.Result r = c.exec("BPFTEST_ALLOW_ALL=1 /opt/t/bpftest device " + CGROUP);
            assertTrue(r.out(), r.out().matches("(?s)load=\\d+\nlog_bytes=\\d+\ncgroup_before=/\nattach=ok\nmove=ok\n"
                    + "zero=errno=EPERM\nnull=ok\ncleanup=ok\n"));
        }
    }

    @Test
    public void theFdGivenBackIsARealDeviceProgram() throws Exception {
        try (Container c = Container.start(id("fd"), ENABLED)) {
            Process p = new ProcessBuilder("runc", "exec", c.id(), "/opt/t/bpftest", "device", CGROUP, "wait").start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            String fd = null;
            for (String l; fd == null && (l = out.readLine()) != null;) {
                lines.add(l);
                Matcher m = Pattern.compile("pid=\\d+ fd=(\\d+)").matcher(l);
                if (m.matches()) {
                    fd = m.group(1);
                }
            }
            assertTrue("no pid/fd line: " + lines, fd != null);
            assertTrue(lines.toString(), lines.contains("zero=errno=EPERM") && lines.contains("null=ok"));
            int hostPid = hostPidOf("/opt/t/bpftest\0device\0" + CGROUP + "\0wait\0");
            Container.Result info = Container.execute(List.of(
                    Path.of(System.getProperty("intercessor.test.programs"), "bpfinfo").toString(),
                    Integer.toString(hostPid), fd));
            assertTrue(info.toString(), info.out().matches("type=15 id=\\d+ name=icsr_test\n"));
            p.getOutputStream().close(); // it moves back and removes its child cgroup
            assertEquals(0, p.waitFor());
            String rest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("cleanup=ok\n", rest);
        }
    }

    private static int hostPidOf(String cmdline) throws Exception {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(q -> q.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).equals(cmdline)) {
                        return Integer.parseInt(p.getFileName().toString());
                    }
                } catch (java.io.IOException gone) {
                    // exited meanwhile
                }
            }
        }
        throw new AssertionError("no process " + cmdline.replace('\0', ' '));
    }

    @Test
    public void everythingElseGetsTheKernelsRefusal() throws Exception {
        try (Container c = Container.start(id("refused"), with(ENABLED, "--bind", CGROUP + ":/mnt/host:ro"))) {
            for (String type : List.of("socket_filter", "kprobe", "tracing")) {
                assertEquals(type, "load=errno=EPERM\n", c.exec("/opt/t/bpftest type " + type).out());
            }
            for (String flags : List.of("override", "none", "replace")) {
                String out = c.exec("/opt/t/bpftest attach " + CGROUP + " " + flags).out();
                assertTrue(flags + ": " + out, out.matches("load=\\d+\nattach=errno=EPERM\n"));
            }
            String multi = c.exec("/opt/t/bpftest attach " + CGROUP + " multi").out();
            assertTrue(multi, multi.matches("load=\\d+\nattach=ok\ndetach=ok\n"));
            // The host's cgroup root and the parent of the container's own: outside it.
            for (String outside : List.of("/mnt/host", "/mnt/host/intercessor")) {
                String out = c.exec("/opt/t/bpftest attachfd " + outside).out();
                assertTrue(outside + ": " + out, out.matches("load=\\d+\nattach=errno=EPERM\n"));
            }
        }
        // Not enabled: the kernel answers every bpf call.
        try (Container c = Container.start(id("off"), "--delegate-cgroup", "--syscalls", "bpf")) {
            assertEquals("load=errno=EPERM\n", c.exec("/opt/t/bpftest type device").out());
            assertTrue(c.exec("/opt/t/bpftest device " + CGROUP).out().startsWith("load=errno=EPERM\n"));
        }
    }

    @Test
    public void badAttributesGiveTheKernelsErrnoAndLeakNothing() throws Exception {
        try (Container c = Container.start(id("bad"), ENABLED)) {
            c.exec("/opt/t/bpftest type device"); // warm: classes loaded, buffers made
            // ... and the audit log open: its writer opens the file with the first line it writes.
            TestSetup.waitFor(() -> Files.exists(TestSetup.AUDIT_LOG)
                    && Files.readString(TestSetup.AUDIT_LOG).contains(c.id()), "the audit log to be open");
            int before = openFds();
            String[][] cases = {{"huge", "E2BIG"}, {"nullattr", "EFAULT"}, {"badptr", "EFAULT"},
                {"badinsns", "EFAULT"}, {"badlicense", "EFAULT"}, {"badlog", "EFAULT"}, {"hugecount", "E2BIG"}};
            for (String[] k : cases) {
                assertEquals(k[0], "result=errno=" + k[1] + "\n", c.exec("/opt/t/bpftest badattr " + k[0]).out());
            }
            for (int i = 0; i < 5; i++) { // loaded and injected: the supervisor keeps no copy
                assertTrue(c.exec("/opt/t/bpftest type device").out().matches("load=\\d+\n"));
            }
            TestSetup.waitFor(() -> openFds() <= before, "the supervisor's fds to be back to " + before
                    + " (now " + openFds() + ")");
        }
    }

    private static int openFds() {
        return new File("/proc/self/fd").list().length;
    }
}
