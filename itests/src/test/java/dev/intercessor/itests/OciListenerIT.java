package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import javax.inject.Inject;

import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * The OCI seccomp agent socket under misbehaving clients: each malformed message is refused with
 * one log line and its descriptors closed, and containers started afterwards work normally.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OciListenerIT {

    private static final String OCISEND = Container.PROGRAMS.resolve("ocisend").toString();

    @Inject
    private BundleContext context;

    private final List<LogRecord> refusals = new ArrayList<>();
    private final Logger ociLog = Logger.getLogger("dev.intercessor.core.oci");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                synchronized (refusals) {
                    refusals.add(record);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @AfterClass
    public static void cleanUp() throws Exception {
        TestSetup.removeEmptyParentCgroups();
    }

    @Configuration
    public Option[] config() throws Exception {
        return TestSetup.framework();
    }

    @Before
    public void setUp() throws Exception {
        TestSetup.awaitListener();
        ociLog.addHandler(capture);
    }

    @After
    public void tearDown() {
        ociLog.removeHandler(capture);
    }

    /** @return whether an fd of this process (the framework and the supervisor in it) is {@code target} */
    private static boolean holds(String target) {
        String[] fds = new File("/proc/self/fd").list();
        for (String fd : fds == null ? new String[0] : fds) {
            try {
                if (java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd", fd)).toString().equals(target)) {
                    return true;
                }
            } catch (java.io.IOException e) {
                // closed meanwhile
            }
        }
        return false;
    }

    private List<String> refusalMessages() {
        synchronized (refusals) {
            return refusals.stream().map(LogRecord::getMessage).toList();
        }
    }

    private void assertRefusedOnce(String mode, String reason) throws Exception {
        synchronized (refusals) {
            refusals.clear();
        }
        Container.Result r = Container.execute(List.of(OCISEND, TestSetup.LISTENER, mode));
        assertEquals(r.toString(), "sent\n", r.out());
        TestSetup.waitFor(() -> refusalMessages().size() >= 1, "a refusal for " + mode);
        Thread.sleep(100); // a second line would come now
        List<String> messages = refusalMessages();
        assertEquals(messages.toString(), 1, messages.size());
        assertTrue(messages.get(0), messages.get(0).startsWith("refused OCI agent connection: "));
        assertTrue(messages.get(0), messages.get(0).contains(reason));
        // The pipe it sent (both ends share the inode) is held by no fd of the supervisor's process.
        String pipe = r.err().trim();
        assertTrue(r.toString(), pipe.matches("pipe:\\[\\d+\\]"));
        TestSetup.waitFor(() -> !holds(pipe), "the refused client's " + pipe + " to be closed in the supervisor");
    }

    @Test
    public void garbageIsRefused() throws Exception {
        assertRefusedOnce("garbage", "bad JSON");
    }

    @Test
    public void stateWithoutFdIsRefused() throws Exception {
        assertRefusedOnce("nofd", "no fd attached");
    }

    @Test
    public void stateWithTwoFdsIsRefused() throws Exception {
        assertRefusedOnce("twofds", "expected one notify fd, got 2");
    }

    @Test
    public void fdThatIsNoNotifyFdIsRefused() throws Exception {
        assertRefusedOnce("notnotify", "not a seccomp notify fd");
    }

    @Test
    public void oversizedMessageIsRefused() throws Exception {
        assertRefusedOnce("oversized", "larger than");
    }

    @Test
    public void silentClientIsDroppedAfterTheTimeout() throws Exception {
        assertRefusedOnce("silent", "sent nothing");
    }

    @Test
    public void runcStyleClientThatClosesIsServed() throws Exception {
        Container.Result r = Container.execute(List.of(Container.PROGRAMS.resolve("agentclient").toString(),
                TestSetup.LISTENER, "runc", "agent-runc-" + UUID.randomUUID().toString().substring(0, 8)));
        assertEquals(r.toString(), "getppid=ok\n", r.out());
    }

    /** crun sends "ociVersion":"0.2.0" and keeps the connection open: no waiting for EOF. */
    @Test
    public void crunStyleClientThatKeepsTheConnectionOpenIsServed() throws Exception {
        Container.Result r = Container.execute(List.of(Container.PROGRAMS.resolve("agentclient").toString(),
                TestSetup.LISTENER, "crun", "agent-crun-" + UUID.randomUUID().toString().substring(0, 8)));
        assertEquals(r.toString(), "getppid=ok\n", r.out());
    }

    @Test
    public void containerStartedRightAfterGarbageAndDuringASilentClientWorks() throws Exception {
        Process silent = new ProcessBuilder(OCISEND, TestSetup.LISTENER, "silent", "10").start();
        try {
            Container.execute(List.of(OCISEND, TestSetup.LISTENER, "garbage"));
            Container.execute(List.of(OCISEND, TestSetup.LISTENER, "twofds"));
            long start = System.nanoTime();
            Container.Result r = Container.run("it-after-garbage-" + UUID.randomUUID().toString().substring(0, 8),
                    "mknod /dev/n c 1 3 && echo x > /dev/n && echo works");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(r.toString(), 0, r.exit());
            assertEquals("works\n", r.out());
            assertTrue("container took " + millis + " ms", millis < 2000);
        } finally {
            silent.destroy();
            silent.waitFor();
        }
    }
}
