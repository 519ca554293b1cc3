package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The notify threads under a busy container: a thread that stays with it (lingering, or blocked
 * in NOTIF_RECV on its fd) never keeps another container waiting, and goes back to the pool.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NotifyLoopIT extends HandlerIT {

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
    }

    @Test
    public void busyContainersDoNotHoldUpOthers() throws Exception {
        // As many containers calling a trapped getppid flat out as the core has notify threads
        // (4 on this machine's defaults), each for more than a burst: every thread that may stay
        // with one does, and at least one must still serve everybody else.
        List<Process> busy = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                busy.add(new ProcessBuilder(Container.HOME.resolve("bin/intercessor").toString(), "run",
                        "--listener", TestSetup.LISTENER, "--syscalls", "getppid",
                        "--bind", Container.PROGRAMS + ":/opt/t:ro", "--name", id("busy" + i), "--",
                        "/opt/t/mknodtest", "loop", "150000", "getppid")
                        .redirectErrorStream(true).start());
            }
            Thread.sleep(1500);
            for (Process p : busy) {
                assertTrue("the busy containers are still calling", p.isAlive());
            }
            // Another container is served, and promptly: its 20 trapped calls (timed inside it, so
            // the time runc needs to start a container on two busy vCPUs does not count) take well
            // under the seconds they would wait if no thread were left for it.
            for (int i = 0; i < 5; i++) {
                Container.Result r = Container.run(id("other"),
                        "mknod /dev/n c 1 3 && echo x > /dev/n && echo served && /opt/t/mknodtest loop 20 mknodat");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("served\ncalls=20 total_ns=(\\d+)\n")
                        .matcher(r.out());
                assertTrue(r.toString(), m.matches());
                long millis = Long.parseLong(m.group(1)) / 1_000_000;
                System.out.println("another container: 20 trapped calls in " + millis + " ms");
                assertTrue("20 calls of another container took " + millis + " ms", millis < 2000);
            }
        } finally {
            for (Process p : busy) {
                if (!p.waitFor(90, TimeUnit.SECONDS)) {
                    p.destroy();
                    fail("a busy container did not end");
                }
                assertEquals(new String(p.getInputStream().readAllBytes()), 0, p.exitValue());
            }
        }
        // The threads that stayed with them are back: a new container is served at once.
        Container.Result after = Container.run(id("after"), "mknod /dev/n c 1 3 && echo served");
        assertEquals(after.toString(), "served\n", after.out());
    }
}
