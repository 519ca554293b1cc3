package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import dev.intercessor.admin.Supervision;

/**
 * The notify threads under a busy container: a thread that stays with it (lingering, or blocked
 * in NOTIF_RECV on its fd, for "continue"s and handler calls alike) never keeps another container
 * waiting, and goes back to the pool once the container is quiet.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NotifyLoopIT extends HandlerIT {

    @Inject
    private Supervision supervision;

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

    @Test
    public void aHotThreadServesHandlerCallsAndGoesBackOnceItsContainerIsQuiet() throws Exception {
        // Handler calls flat out (mknodat of "/": the mknod handler reads the path and answers),
        // then the container stays, quiet: its hot thread must be sent back while it lives.
        Process busy = new ProcessBuilder(Container.HOME.resolve("bin/intercessor").toString(), "run",
                "--listener", TestSetup.LISTENER, "--syscalls", "mknodat",
                "--bind", Container.PROGRAMS + ":/opt/t:ro", "--name", id("hot"), "--",
                "sh", "-c", "/opt/t/mknodtest loop 40000 mknodat && echo quiet && sleep 4")
                .redirectErrorStream(true).start();
        try {
            StringBuffer output = new StringBuffer();
            CompletableFuture<Boolean> quiet = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(busy.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        output.append(line).append('\n');
                        if (line.equals("quiet")) {
                            quiet.complete(true);
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
                quiet.complete(false);
            });
            reader.setDaemon(true);
            reader.start();
            int mostHot = 0;
            while (!quiet.isDone()) {
                mostHot = Math.max(mostHot, supervision.metrics().hotThreads());
                Thread.sleep(5);
            }
            assertTrue(output.toString(), quiet.get() && output.toString().contains("calls=40000 "));
            assertTrue("a thread stayed with the container while its handler calls came", mostHot >= 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            int hot;
            while ((hot = supervision.metrics().hotThreads()) != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("hot threads 2 s after the container went quiet", 0, hot);
            assertTrue("the container is still there, quiet", busy.isAlive());
        } finally {
            if (!busy.waitFor(60, TimeUnit.SECONDS)) {
                busy.destroy();
                fail("the container did not end");
            }
        }
        assertEquals(0, busy.exitValue());
    }
}
