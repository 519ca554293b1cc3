package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Every command of the {@code intercessor:} scope, driven through the remote shell exactly as
 * {@code bin/intercessor shell} does (the client in the shell bundle's jar, over the test socket),
 * against real containers; the printed output is what is checked.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT extends HandlerIT {

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
        startHandler(TestSetup.SYSINFO, "sysinfo");
        TestSetup.waitFor(() -> Files.exists(Path.of(TestSetup.SHELL_SOCKET)), "the shell socket");
    }

    private static List<String> client(String... words) throws IOException {
        return TestSetup.shellClient(words);
    }

    /** Runs one shell command; fails the test unless it succeeds. */
    private static String shell(String... words) throws Exception {
        Container.Result r = Container.execute(client(words));
        assertEquals(r.toString(), 0, r.exit());
        return r.out();
    }

    private static void assertLine(String output, String regex) {
        Pattern p = Pattern.compile(regex);
        assertTrue("no line matching " + regex + " in\n" + output,
                output.lines().anyMatch(l -> p.matcher(l).matches()));
    }

    @Test
    public void everyCommandAgainstARealContainer() throws Exception {
        try (Container c = Container.start(id("cmds"))) {
            Container.Result r = c.exec("mknod /dev/n c 1 3; free >/dev/null; /opt/t/mknodtest badptr");
            assertEquals(r.toString(), "errno=EFAULT\n", r.out());
            int init = c.hostPid();
            String prefix = c.id().substring(0, c.id().length() - 3);

            // containers: a header and its row, with the counters.
            String containers = shell("containers");
            assertLine(containers, "ID\\s+RUNTIME\\s+INIT\\s+ATTACHED\\s+SEEN\\s+EMULATED\\s+REFUSED\\s+CONTINUED");
            assertLine(containers, Pattern.quote(c.id()) + "\\s+\\S+\\s+" + init
                    + "\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+3\\s+2\\s+1\\s+0");

            // container: one in detail, by a prefix.
            String detail = shell("container", prefix);
            assertLine(detail, "container\\s+" + Pattern.quote(c.id()));
            assertLine(detail, "init pid\\s+" + init);
            assertLine(detail, "processes\\s+" + init);
            assertLine(detail, "calls\\s+seen 3, emulated 2, refused 1, continued 0");
            assertLine(detail, "mknod\\.enabled\\s+true\\s+default\\s+true\\s+default");
            Container.Result missing = Container.execute(client("container", "nosuch"));
            assertEquals(missing.toString(), 1, missing.exit());
            assertTrue(missing.toString(), missing.err().contains("no attached container nosuch"));

            // handlers: what serves, what is unsafe and off by default.
            String handlers = shell("handlers");
            assertLine(handlers, "mknod\\s+mknod,mknodat\\s+dev\\.intercessor\\.handler\\.mknod \\S+\\s+serving\\s+on\\s+-\\s+-");
            assertLine(handlers, "sched\\s+\\S+\\s+dev\\.intercessor\\.handler\\.sched \\S+\\s+serving\\s+off\\s+unsafe\\s+-");

            // policy: set at runtime, in effect for the next call, shown with its source, reset.
            assertEquals("mknod.enabled = false (runtime)\n", shell("policy", prefix, "mknod.enabled", "false"));
            assertLine(shell("policy", prefix), "mknod\\.enabled\\s+false\\s+runtime\\s+false\\s+runtime");
            Container.Result off = c.exec("mknod /dev/m c 1 3 2>/dev/null && echo made || echo refused");
            assertEquals(off.toString(), "refused\n", off.out());
            assertEquals("mknod.enabled = true (default)\n", shell("policy", "--reset", prefix, "mknod.enabled"));
            Container.Result on = c.exec("mknod /dev/m c 1 3 && echo made");
            assertEquals(on.toString(), "made\n", on.out());

            // stats: mknodat's row with its counters and latencies.
            String stats = shell("stats");
            assertLine(stats, "HANDLER\\s+SYSCALL\\s+CALLS\\s+ERRORS\\s+P50 µs\\s+P90 µs\\s+P99 µs\\s+MAX µs");
            assertLine(stats, "mknod\\s+mknodat\\s+\\d+\\s+\\d+(\\s+\\d+){4}");
            assertLine(stats, "sysinfo\\s+sysinfo\\s+\\d+\\s+0(\\s+\\d+){4}");

            // trace: the recent decisions, strace-like.
            String trace = shell("trace", "-n", "10", prefix);
            assertLine(trace, Pattern.quote(c.id()) + " \\d+ mknodat\\(AT_FDCWD, \"/dev/n\", S_IFCHR\\|0666, "
                    + "makedev\\(1, 3\\)\\) = 0 \\[mknod, emulated, [0-9.]+µs\\]");
            assertLine(trace, Pattern.quote(c.id()) + " \\d+ sysinfo\\(0x[0-9a-f]+\\) = 0 \\[sysinfo, emulated, [0-9.]+µs\\]");
            assertLine(trace, Pattern.quote(c.id()) + " \\d+ mknodat\\(AT_FDCWD, 0x1, S_IFCHR\\|0666, "
                    + "makedev\\(1, 3\\)\\) = -1 EFAULT \\[mknod, refused, [0-9.]+µs\\]");
            // With mknod off, the call was a plain "continue": not kept, as nobody was following.
            assertEquals(trace, 4, trace.lines().count());
        }
    }

    @Test
    public void traceFollowsNewDecisionsLive() throws Exception {
        try (Container c = Container.start(id("follow"))) {
            Process follower = new ProcessBuilder(client("trace", "-f", "-n", "0", c.id())).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(follower.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = in.readLine()) != null;) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // the follower ended
                }
            });
            reader.start();
            try {
                Thread.sleep(1500); // the client is connected and following
                for (int i = 0; i < 3; i++) {
                    assertEquals("made\n", c.exec("mknod /dev/f" + i + " c 1 3 && echo made").out());
                }
                for (int i = 0; i < 3; i++) {
                    String line = lines.poll(10, TimeUnit.SECONDS);
                    assertTrue("decision " + i + " not followed", line != null);
                    assertTrue(line, line.matches(Pattern.quote(c.id()) + " \\d+ mknodat\\(AT_FDCWD, \"/dev/f" + i
                            + "\", S_IFCHR\\|0666, makedev\\(1, 3\\)\\) = 0 \\[mknod, emulated, [0-9.]+µs\\]"));
                }
            } finally {
                follower.destroy();
                assertTrue("the follower ends", follower.waitFor(10, TimeUnit.SECONDS));
                reader.join(5000);
            }
        }
    }
}
