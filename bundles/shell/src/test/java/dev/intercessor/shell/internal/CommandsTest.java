package dev.intercessor.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.felix.service.command.CommandSession;
import org.junit.Test;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.Decision;
import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.PolicyEntry;
import dev.intercessor.admin.PolicyEntry.Source;
import dev.intercessor.admin.Supervision;
import dev.intercessor.admin.SyscallStats;

public class CommandsTest {

    /** One attached container, "abc123", whose only policy key is mknod.enabled. */
    static final class StubSupervision implements Supervision {

        @Override
        public dev.intercessor.admin.SupervisorMetrics metrics() {
            throw new UnsupportedOperationException("not used by the shell");
        }

        List<dev.intercessor.admin.HealthCheck> health = List.of();

        @Override
        public List<dev.intercessor.admin.HealthCheck> health() {
            return health;
        }

        final Map<String, String> runtime = new TreeMap<>();
        final List<CallRecord> recent = new ArrayList<>();
        volatile Consumer<CallRecord> follower;
        volatile String followed = "none";
        final CountDownLatch following = new CountDownLatch(1);
        volatile boolean closed;
        Thread[] followerThread;
        String recentAskedFor = "none";

        final ContainerInfo abc = new ContainerInfo("abc123", "1.0.2", 4711, List.of(4711), List.of(),
                Instant.EPOCH, 0, 0, 0, 0);

        @Override
        public List<ContainerInfo> containers() {
            return List.of(abc);
        }

        @Override
        public Optional<ContainerInfo> container(String id) {
            return abc.id().startsWith(id) ? Optional.of(abc) : Optional.empty();
        }

        @Override
        public List<dev.intercessor.admin.OptionInfo> options() {
            return List.of(new dev.intercessor.admin.OptionInfo("bpf.maxPrograms", "number", "64", "a whole number from 0 to 4096",
                    "programs"), new dev.intercessor.admin.OptionInfo("mknod.enabled", "boolean", "true", "true or false",
                    "whether handler mknod serves"), new dev.intercessor.admin.OptionInfo("mknod.extra", "number", "0",
                    "a whole number from 0 to 9", "a test option"));
        }

        @Override
        public List<HandlerInfo> handlers() {
            return List.of();
        }

        @Override
        public List<PolicyEntry> policy(String id) {
            if (!id.equals(abc.id())) {
                throw new NoSuchElementException("core: " + id);
            }
            List<PolicyEntry> entries = new ArrayList<>();
            entries.add(runtime.containsKey("mknod.enabled")
                    ? new PolicyEntry("mknod.enabled", runtime.get("mknod.enabled"), Source.RUNTIME)
                    : new PolicyEntry("mknod.enabled", "true", Source.DEFAULT));
            runtime.forEach((k, v) -> {
                if (!k.equals("mknod.enabled")) {
                    entries.add(new PolicyEntry(k, v, Source.RUNTIME));
                }
            });
            return entries;
        }

        @Override
        public void setPolicy(String id, String key, String value) {
            runtime.put(key, value);
        }

        @Override
        public boolean resetPolicy(String id, String key) {
            return runtime.remove(key) != null;
        }

        @Override
        public List<SyscallStats> stats() {
            return List.of();
        }

        @Override
        public List<CallRecord> recentCalls(String id, int max) {
            recentAskedFor = id;
            return recent.subList(Math.max(0, recent.size() - max), recent.size());
        }

        @Override
        public AutoCloseable follow(String id, Consumer<CallRecord> listener) {
            if (followerThread != null) {
                followerThread[0] = Thread.currentThread();
            }
            followed = id;
            follower = listener;
            following.countDown();
            return () -> closed = true;
        }
    }

    private final StubSupervision supervision = new StubSupervision();
    private final Commands commands = new Commands(supervision);

    private final StopRequests stopRequests = new StopRequests();

    /** A session of the remote shell: what Ctrl-C reaches is its StopRequests. */
    private CommandSession remoteSession() {
        return (CommandSession) Proxy.newProxyInstance(CommandsTest.class.getClassLoader(),
                new Class<?>[] { CommandSession.class },
                (proxy, method, args) -> method.getName().equals("get") && Commands.STOP_REQUESTS.equals(args[0])
                        ? stopRequests : null);
    }

    private static CallRecord call(int pid) {
        return new CallRecord(Instant.EPOCH, "abc123", pid, "x86_64", "sysinfo", "0x7ffe", "sysinfo",
                Decision.EMULATED, 0, "", 0, 41_000);
    }

    @Test
    public void healthListsTheChecksAndFailsWithTheFailingOnes() {
        supervision.health = List.of(new dev.intercessor.admin.HealthCheck("oci-listener", true, "accepting"),
                new dev.intercessor.admin.HealthCheck("handlers", true, "serving [mknod]"));
        assertEquals(2, commands.health().size());
        supervision.health = List.of(new dev.intercessor.admin.HealthCheck("oci-listener", false, "/run/x is gone"),
                new dev.intercessor.admin.HealthCheck("handlers", true, "serving [mknod]"));
        try {
            commands.health();
            fail("healthy with a failing check");
        } catch (IllegalStateException e) {
            assertEquals("unhealthy: oci-listener: /run/x is gone", e.getMessage());
        }
    }

    @Test
    public void anUnknownContainerIsNamedInTheError() {
        try {
            commands.container("nope");
            fail("no error for an unknown container");
        } catch (NoSuchElementException e) {
            assertEquals("no attached container nope", e.getMessage());
        }
    }

    @Test
    public void aPrefixNamesTheContainerAndItsPolicyComesWithIt() {
        ContainerDetail detail = commands.container("abc");
        assertEquals("abc123", detail.info().id());
        assertEquals(List.of(new PolicyEntry("mknod.enabled", "true", Source.DEFAULT)), detail.policy());
    }

    @Test
    public void settingAKeyAnswersWithWhatIsNowInEffect() {
        assertEquals(new PolicyEntry("mknod.enabled", "false", Source.RUNTIME),
                commands.policy(false, "abc", "mknod.enabled", "false"));
        assertEquals(new PolicyEntry("mknod.enabled", "true", Source.DEFAULT),
                commands.policy(true, "abc", "mknod.enabled"));
    }

    @Test
    public void resettingAKeyThatWasNotSetFails() {
        try {
            commands.policy(true, "abc", "mknod.enabeld");
            fail("a reset of nothing succeeded");
        } catch (NoSuchElementException e) {
            assertEquals("abc123 has no runtime value for mknod.enabeld", e.getMessage());
        }
    }

    @Test
    public void aKeyWithoutValueOrResetIsAUsageError() {
        try {
            commands.policy(false, "abc", "mknod.enabled");
            fail("accepted a key without a value");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("policy --reset abc mknod.enabled"));
        }
        assertTrue(supervision.runtime.isEmpty());
    }

    @Test
    public void aKeyNoHandlerDeclaresIsRefusedWithTheKeysThereAre() {
        try {
            commands.policy(false, "abc", "mknod.enabeld", "false");
            fail("a misspelt key was set");
        } catch (IllegalArgumentException e) {
            assertEquals("policy: unknown key mknod.enabeld: handler mknod has no such option (its keys: mknod.enabled, "
                    + "mknod.extra); nothing changed (\"options\" lists every key)", e.getMessage());
        }
        try {
            commands.policy(false, "abc", "mknd.enabled", "false");
            fail("a key of no handler was set");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(
                    "policy: unknown key mknd.enabled: no registered handler is named mknd (handlers: bpf, mknod)"));
        }
        assertTrue(supervision.runtime.isEmpty());
    }

    @Test
    public void anOptionACommandLacksIsRefusedNotTakenForAContainer() throws Exception {
        try {
            commands.trace(remoteSession(), false, 5, "--bogus");
            fail("trace --bogus was taken for a container id");
        } catch (IllegalArgumentException e) {
            assertEquals("trace: unknown option --bogus (usage: trace [--follow|-f] [--max|-n N] [ID])", e.getMessage());
        }
        assertEquals("none", supervision.recentAskedFor);
        try {
            commands.trace(remoteSession(), false, 5, "abc", "--bogus");
            fail("trace abc --bogus succeeded");
        } catch (IllegalArgumentException e) {
            assertEquals("trace: unknown option --bogus (usage: trace [--follow|-f] [--max|-n N] [ID])", e.getMessage());
        }
        try {
            commands.containers("--bogus");
            fail("containers --bogus succeeded");
        } catch (IllegalArgumentException e) {
            assertEquals("containers: unknown option --bogus (usage: containers)", e.getMessage());
        }
        try {
            commands.stats("now");
            fail("stats now succeeded");
        } catch (IllegalArgumentException e) {
            assertEquals("stats: takes no arguments, not 'now' (usage: stats)", e.getMessage());
        }
        assertEquals(1, commands.containers(new String[0]).size());
        try {
            commands.policy(false, "-x", "abc", "mknod.enabled");
            fail("policy -x was taken for a container id");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("policy: unknown option -x (usage: policy ID"));
        }
        // A value may be negative: only ids and keys are held to it.
        assertEquals(new PolicyEntry("mknod.extra", "-1", Source.RUNTIME), commands.policy(false, "abc", "mknod.extra", "-1"));
    }

    @Test
    public void aResetKeyWhoseOnlySourceWasTheRuntimeLeavesNothing() {
        commands.policy(false, "abc", "mknod.extra", "1");
        assertNull(commands.policy(true, "abc", "mknod.extra"));
    }

    @Test
    public void traceOfAContainerThatIsNotAttachedAsksForItsId() throws Exception {
        commands.trace(remoteSession(), false, 5, "gone-container");
        assertEquals("gone-container", supervision.recentAskedFor);
        commands.trace(remoteSession(), false, 5, "abc");
        assertEquals("abc123", supervision.recentAskedFor);
        commands.trace(remoteSession(), false, 5);
        assertNull(supervision.recentAskedFor);
    }

    /** Runs {@code trace -f abc}, feeds it calls 2 and 3 (2 is also a recent one), then ends it. */
    private String follow(Runnable end) throws Exception {
        supervision.recent.add(call(1));
        supervision.recent.add(call(2));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = System.out;
        PrintStream err = System.err;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        Thread follower = new Thread(() -> {
            try {
                commands.trace(remoteSession(), true, 10, "abc");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try {
            follower.start();
            assertTrue(supervision.following.await(5, TimeUnit.SECONDS));
            assertEquals("abc123", supervision.followed);
            supervision.follower.accept(call(2)); // answered while the recent ones were read: once
            supervision.follower.accept(call(3));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!printed.toString(StandardCharsets.UTF_8).contains(" 3 ") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            end.run();
            follower.join(5000);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertFalse("still following", follower.isAlive());
        assertTrue("the follow was not closed", supervision.closed);
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void followPrintsTheRecentOnesOnceThenNewOnesUntilAskedToStop() throws Exception {
        assertEquals(call(1) + "\n" + call(2) + "\n" + call(3) + "\n", follow(() -> assertTrue(stopRequests.fire())));
        assertFalse("still registered for Ctrl-C", stopRequests.fire());
    }

    @Test
    public void followEndsWhenInterruptedToo() throws Exception {
        Thread[] follower = new Thread[1];
        supervision.followerThread = follower;
        assertEquals(call(1) + "\n" + call(2) + "\n" + call(3) + "\n", follow(() -> follower[0].interrupt()));
    }
}
