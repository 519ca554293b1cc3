package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.UUID;
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

    private static String id(String name) {
        return "it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    public void busyContainersDoNotHoldUpOthers() throws Exception {
        // Two containers calling a trapped getppid flat out: more than a burst each, so threads
        // stay with them.
        List<String> busy = List.of(Container.HOME.resolve("bin/intercessor").toString(), "run",
                "--listener", TestSetup.LISTENER, "--syscalls", "getppid",
                "--bind", Container.PROGRAMS + ":/opt/t:ro", "--name", id("busy"), "--",
                "/opt/t/mknodtest", "loop", "300000", "getppid");
        List<String> busy2 = new java.util.ArrayList<>(busy);
        busy2.set(busy2.indexOf("--name") + 1, id("busy2"));
        Process a = new ProcessBuilder(busy).redirectErrorStream(true).start();
        Process b = new ProcessBuilder(busy2).redirectErrorStream(true).start();
        try {
            Thread.sleep(1500);
            assertTrue("the busy containers are still calling", a.isAlive() && b.isAlive());
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                Container.Result r = Container.run(id("other"), "mknod /dev/n c 1 3 && echo x > /dev/n && echo served");
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(r.toString(), "served\n", r.out());
                assertTrue("another container took " + millis + " ms", millis < 3000);
            }
        } finally {
            assertTrue("busy container ended", a.waitFor(60, TimeUnit.SECONDS));
            assertTrue("busy container ended", b.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(0, a.exitValue());
        assertEquals(0, b.exitValue());
        // The threads that stayed with them are back: a new container is served at once.
        Container.Result after = Container.run(id("after"), "mknod /dev/n c 1 3 && echo served");
        assertEquals(after.toString(), "served\n", after.out());
    }
}
