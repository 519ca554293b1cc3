package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

import dev.intercessor.admin.Supervision;

/**
 * sysinfo emulation in real unprivileged runc containers with a memory limit: the container sees
 * its own memory, tasks and uptime; without the handler it sees the host's.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SysinfoIT extends HandlerIT {

    @Inject
    private Supervision supervision;

    private static final long LIMIT = 256L << 20;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.SYSINFO, "sysinfo");
    }

    /** Parses "k=v k=v …" (sysinfotest's output). */
    static Map<String, String> fields(String line) {
        Map<String, String> map = new HashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            map.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return map;
    }

    private static long hostMemTotal() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new AssertionError("no MemTotal");
    }

    @Test
    public void busyboxFreeReportsTheMemoryLimit() throws Exception {
        // The total column: 15 characters after "Mem:". (busybox's "used" subtracts the host's page
        // cache from /proc/meminfo, which sysinfo cannot change, so it can run into "total".)
        Container.Result r = Container.run(id("free"), "free | awk 'NR==2 {print substr($0, 5, 15) + 0}'",
                "--memory", "256m");
        assertEquals(r.toString(), "262144\n", r.out());
    }

    @Test
    public void sysinfoSeesTheLimitTheContainersTasksAndItsUptime() throws Exception {
        long started = System.nanoTime();
        Container.Result r = Container.run(id("sysinfo"),
                "sleep 1 & sleep 1 & sleep 0.3; /opt/t/sysinfotest", "--memory", "256m");
        double ageSeconds = (System.nanoTime() - started) / 1e9;
        assertEquals(r.toString(), 0, r.exit());
        Map<String, String> f = fields(r.out());
        assertEquals(r.toString(), Long.toString(LIMIT), f.get("total"));
        String[] counted = f.get("counted").split("/");
        assertEquals("no process came or went around the call: " + r.out(), counted[0], counted[1]);
        // sysinfotest (sh execs its last command) and the two sleeps, at least
        assertTrue(r.out(), Integer.parseInt(counted[0]) >= 3);
        assertEquals(r.out(), counted[0], f.get("procs"));
        long uptime = Long.parseLong(f.get("uptime"));
        assertTrue("uptime " + uptime + " s > container age " + ageSeconds + " s", uptime <= Math.ceil(ageSeconds));
        long free = Long.parseLong(f.get("free"));
        assertTrue(r.out(), free > 0 && free < LIMIT);
    }

    /**
     * The kernel's sysinfo adds the caller's time namespace's boot-time offset: a process that
     * unshares a time namespace a day ahead stays in its old one, its child lives in the new one.
     */
    @Test
    public void aCallerInANewTimeNamespaceSeesItsBootTimeOffsetInTheUptime() throws Exception {
        String[] caps = {"--memory", "256m", "--cap-add", "SYS_ADMIN", "--cap-add", "SYS_TIME"};
        Container.Result r = Container.run(id("sysinfo-timens"), "/opt/t/sysinfotest timens", caps);
        Map<String, String> f = fields(r.out());
        long parent = Long.parseLong(f.get("parent"));
        long child = Long.parseLong(f.get("child"));
        assertTrue("the parent sees the container's age: " + r, parent < 60);
        assertTrue("the child sees it a day later: " + r, child - parent >= 86400 && child - parent <= 86401);

        // The kernel's own answer, for comparison: the same day between them.
        String[] kernel = {"--memory", "256m", "--cap-add", "SYS_ADMIN", "--cap-add", "SYS_TIME",
            "--annotation", "sysinfo.enabled=false"};
        r = Container.run(id("sysinfo-timens-kernel"), "/opt/t/sysinfotest timens", kernel);
        f = fields(r.out());
        long kernelChild = Long.parseLong(f.get("child"));
        assertTrue(r.toString(), kernelChild - Long.parseLong(f.get("parent")) >= 86400
                && kernelChild - Long.parseLong(f.get("parent")) <= 86401);
        assertTrue("the kernel's uptime is the child's CLOCK_BOOTTIME: " + r,
                Math.abs(kernelChild - Long.parseLong(f.get("boottime"))) <= 1);
    }

    @Test
    public void withTheHandlerDisabledTheContainerSeesTheHostsValues() throws Exception {
        Container.Result r = Container.run(id("host-values"), "/opt/t/sysinfotest",
                "--memory", "256m", "--annotation", "sysinfo.enabled=false");
        Map<String, String> f = fields(r.out());
        assertEquals(r.toString(), Long.toString(hostMemTotal()), f.get("total"));
        assertTrue(r.out(), Long.parseLong(f.get("uptime")) > 60); // the host's, not the container's
    }

    @Test
    public void badBuffersGetEfaultLikeTheKernelGives() throws Exception {
        Container.Result r = Container.run(id("sysinfo-efault"),
                "/opt/t/sysinfotest badptr; /opt/t/sysinfotest readonly; /opt/t/sysinfotest crossing", "--memory", "256m");
        assertEquals(r.toString(), "errno=EFAULT\nerrno=EFAULT\nerrno=EFAULT\n", r.out());
    }

    /**
     * Attack: the supervisor keeps a caller's /proc handles between calls, and a mem fd reaches
     * the memory its process had when it was opened. A vfork child that called sysinfo and then
     * exec'd must get its new memory written, never its parent's through the old handle.
     */
    @Test
    public void aCallerThatExecsGetsItsNewMemoryWrittenNotItsVforkParents() throws Exception {
        Container.Result r = Container.run(id("sysinfo-vforkexec"),
                "/opt/t/sysinfotest vforkexec; /opt/t/sysinfotest vforkexec", "--memory", "256m");
        assertEquals(r.toString(), "parent=untouched child=filled\nparent=untouched child=filled\n", r.out());
    }

    /**
     * The same attack while a thread stays with the container (its calls served from a blocking
     * NOTIF_RECV, each handler call vouching for the kept handles with a poll of its own): another
     * process of the same container keeps sysinfo busy meanwhile.
     */
    @Test
    public void aCallerThatExecsBesideABusyCallerGetsItsNewMemoryWrittenNotItsVforkParents() throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Container.Result> run = runner.submit(() -> Container.run(id("sysinfo-vforkexec-hot"),
                    "/opt/t/sysinfotest loop 150000 & sleep 1; for i in 1 2 3 4 5; do /opt/t/sysinfotest vforkexec; "
                            + "done; wait", "--memory", "256m"));
            int mostHot = 0;
            while (!run.isDone()) {
                mostHot = Math.max(mostHot, supervision.metrics().hotThreads());
                Thread.sleep(5);
            }
            Container.Result r = run.get();
            assertTrue(r.toString(), r.out().contains("loop=0\n"));
            assertEquals(r.toString(), "parent=untouched child=filled\n".repeat(5), r.out().replace("loop=0\n", ""));
            assertTrue("a thread stayed with the busy container", mostHot >= 1);
        } finally {
            runner.shutdownNow();
        }
    }

    /**
     * Attack: the handles kept between calls belong to a thread, not to its number. A thread calls
     * sysinfo and ends while its process lives on; the host points its next pid at that thread's
     * id ({@code ns_last_pid}), and the process forks a child that gets it and calls sysinfo: the
     * child's page is written, never the parent's through the ended thread's handles.
     */
    @Test
    public void aThreadIdTakenOverByAnotherProcessGetsItsOwnMemoryWritten() throws Exception {
        Path steps = Path.of(System.getProperty("intercessor.test.work"), "tidreuse-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(steps);
        Container.execute(List.of("chown", "100000:100000", steps.toString()));
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (Container c = Container.start(id("sysinfo-tidreuse"), "--memory", "256m", "--bind", steps + ":/steps")) {
            for (int attempt = 1; attempt <= 5; attempt++) {
                for (String step : List.of("thread-called", "thread-may-end", "thread-ended", "fork", "child-called",
                        "child-may-exit")) {
                    Files.deleteIfExists(steps.resolve(step));
                }
                Future<Container.Result> run = caller.submit(() -> c.exec("/opt/t/sysinfotest tidreuse /steps"));
                awaitStep(steps, "thread-called");
                int process = processRunning("/opt/t/sysinfotest\0tidreuse");
                int thread;
                try (var tasks = Files.list(Path.of("/proc/" + process + "/task"))) {
                    thread = tasks.map(t -> Integer.parseInt(t.getFileName().toString())).filter(t -> t != process)
                            .findFirst().orElseThrow();
                }
                Files.createFile(steps.resolve("thread-may-end"));
                awaitStep(steps, "thread-ended");
                Files.writeString(Path.of("/proc/sys/kernel/ns_last_pid"), Integer.toString(thread - 1));
                Files.createFile(steps.resolve("fork"));
                awaitStep(steps, "child-called");
                String child = Files.readString(Path.of("/proc/" + process + "/task/" + process + "/children")).trim();
                Files.createFile(steps.resolve("child-may-exit"));
                Container.Result r = run.get(30, TimeUnit.SECONDS);
                assertEquals(r.toString(), "parent=untouched child=filled\n", r.out());
                if (child.equals(Integer.toString(thread))) {
                    return; // the child did call with the ended thread's id
                }
            }
            Assume.assumeTrue("another host process took the thread's id before the child, 5 times", false);
        } finally {
            caller.shutdownNow();
            Container.execute(List.of("rm", "-rf", steps.toString()));
        }
    }

    private static void awaitStep(Path steps, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(steps.resolve(name))) {
            assertTrue("step " + name + " within 20 s", System.nanoTime() < deadline);
            Thread.sleep(2);
        }
    }

    /** @return the host pid of the one process whose command line starts with {@code cmdline} (NULs as \0) */
    private static int processRunning(String cmdline) throws Exception {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    return new String(Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.ISO_8859_1)
                            .startsWith(cmdline);
                } catch (java.io.IOException e) {
                    return false; // ended meanwhile
                }
            }).map(p -> Integer.parseInt(p.getFileName().toString())).findFirst()
                    .orElseThrow(() -> new AssertionError("no process " + cmdline));
        }
    }

    @Test
    public void stoppingTheBundleGivesTheHostsValuesAndStartingItBringsTheContainersBack() throws Exception {
        try (Container c = Container.start(id("sysinfo-hotswap"), "--memory", "256m")) {
            assertEquals(Long.toString(LIMIT), fields(c.exec("/opt/t/sysinfotest").out()).get("total"));
            Bundle bundle = TestSetup.installed(context, TestSetup.SYSINFO);
            bundle.stop();
            awaitHandler("sysinfo", false);
            assertEquals(Long.toString(hostMemTotal()), fields(c.exec("/opt/t/sysinfotest").out()).get("total"));
            bundle.start();
            awaitHandler("sysinfo", true);
            assertEquals(Long.toString(LIMIT), fields(c.exec("/opt/t/sysinfotest").out()).get("total"));
        }
    }
}
