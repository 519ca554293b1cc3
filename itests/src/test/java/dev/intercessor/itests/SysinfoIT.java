package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * sysinfo emulation in real unprivileged runc containers with a memory limit: the container sees
 * its own memory, tasks and uptime; without the handler it sees the host's.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SysinfoIT extends HandlerIT {

    private static final long LIMIT = 256L << 20;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.SYSINFO, "sysinfo");
    }

    /** Parses "k=v k=v …". */
    private static Map<String, String> fields(String line) {
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
