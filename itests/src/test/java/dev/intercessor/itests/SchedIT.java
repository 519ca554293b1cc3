package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * Real-time scheduling for a container that asks for it (sched.enabled), in real unprivileged runc
 * containers whose root holds CAP_SYS_NICE in its user namespace, with the effect read from the
 * host's /proc.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SchedIT extends HandlerIT {

    private static final String S = "/opt/t/schedtest";
    private static final String[] RT = {"--cap-add", "SYS_NICE", "--rt-runtime", "100000",
        "--syscalls", "sched_setscheduler,sched_setparam"};

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.SCHED, "sched");
    }

    private static String[] with(String... more) {
        String[] all = new String[RT.length + more.length];
        System.arraycopy(RT, 0, all, 0, RT.length);
        System.arraycopy(more, 0, all, RT.length, more.length);
        return all;
    }

    /** @return fields 40 (rt_priority) and 41 (policy) of /proc/<pid>/stat */
    private static int[] priorityAndPolicy(int hostPid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + hostPid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return new int[] {Integer.parseInt(f[37]), Integer.parseInt(f[38])};
    }

    /** Finds the host pid of the process {@code nsPid} of the container whose init is {@code init}. */
    private static int hostPid(int init, int nsPid) throws Exception {
        Path ns = Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/pid"));
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : all) {
                try {
                    if (!Files.readSymbolicLink(p.resolve("ns/pid")).equals(ns)) {
                        continue;
                    }
                    for (String line : Files.readAllLines(p.resolve("status"))) {
                        if (line.startsWith("NSpid:")) {
                            String[] ids = line.substring(6).trim().split("\\s+");
                            if (Integer.parseInt(ids[ids.length - 1]) == nsPid) {
                                return Integer.parseInt(p.getFileName().toString());
                            }
                        }
                    }
                } catch (java.io.IOException e) {
                    // gone meanwhile
                }
            }
        }
        throw new AssertionError("no process " + nsPid + " in the container");
    }

    @Test
    public void fifoForAThreadOfTheContainerIsReallyApplied() throws Exception {
        try (Container c = Container.start(id("fifo"), with("--annotation", "sched.enabled=true"))) {
            Container.Result r = c.exec("sleep 60 >/dev/null 2>&1 & echo $!; " + S + " set $! fifo 10; " + S + " set 0 rr 5");
            String[] lines = r.out().split("\n");
            assertEquals(r.toString(), "ok", lines[1]);
            assertEquals(r.toString(), "ok", lines[2]);
            int[] seen = priorityAndPolicy(hostPid(c.hostPid(), Integer.parseInt(lines[0])));
            assertEquals("rt_priority", 10, seen[0]);
            assertEquals("policy SCHED_FIFO", 1, seen[1]);
        }
    }

    @Test
    public void listenerMetadataEnablesItToo() throws Exception {
        Container.Result r = Container.run(id("metadata"), S + " set 0 fifo 10", with("--metadata", "sched.enabled=true"));
        assertEquals(r.toString(), "ok\n", r.out());
    }

    @Test
    public void offByDefaultAndOnlyForContainerRootWithCapSysNice() throws Exception {
        assertEquals("errno=EPERM\n", Container.run(id("default-off"), S + " set 0 fifo 10", RT).out());
        assertEquals("errno=EPERM\n", Container.run(id("non-root"), S + " asuser 1000 set 0 fifo 10",
                with("--annotation", "sched.enabled=true")).out());
        assertEquals("errno=EPERM\n", Container.run(id("no-cap"), S + " set 0 fifo 10",
                "--annotation", "sched.enabled=true", "--rt-runtime", "100000",
                "--syscalls", "sched_setscheduler").out());
    }

    @Test
    public void aProcessOutsideTheContainerCannotBeReached() throws Exception {
        int jvm = (int) ProcessHandle.current().pid();
        Container.Result r = Container.run(id("outside"), S + " set " + jvm + " fifo 10",
                with("--annotation", "sched.enabled=true"));
        assertEquals(r.toString(), "errno=ESRCH\n", r.out());
        assertEquals("the host's process keeps SCHED_OTHER", 0, priorityAndPolicy(jvm)[1]);
    }

    @Test
    public void badArgumentsGetTheKernelsErrno() throws Exception {
        Container.Result r = Container.run(id("bad"), String.join("; ",
                S + " set 0 fifo 100", S + " set 0 fifo 0", S + " set 0 42 1", S + " set 0 other 5",
                S + " badparam 0", S + " set -1 fifo 10", S + " param 0 30"),
                with("--annotation", "sched.enabled=true"));
        assertEquals(r.toString(),
                "errno=EINVAL\nerrno=EINVAL\nerrno=EINVAL\nerrno=EINVAL\nerrno=EFAULT\nerrno=EINVAL\nerrno=EINVAL\n",
                r.out());
    }

    @Test
    public void stoppingTheBundleGivesTheKernelsEperm() throws Exception {
        Bundle bundle = TestSetup.installed(context, TestSetup.SCHED);
        bundle.stop();
        awaitHandler("sched", false);
        assertEquals("errno=EPERM\n", Container.run(id("stopped"), S + " set 0 fifo 10",
                with("--annotation", "sched.enabled=true")).out());
        bundle.start();
        awaitHandler("sched", true);
        assertTrue(Container.run(id("restarted"), S + " set 0 fifo 10",
                with("--annotation", "sched.enabled=true")).out().equals("ok\n"));
    }
}
