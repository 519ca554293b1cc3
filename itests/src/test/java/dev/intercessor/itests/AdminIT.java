package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.NoSuchElementException;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.Decision;
import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.PolicyEntry;
import dev.intercessor.admin.Supervision;
import dev.intercessor.admin.SyscallStats;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallHandler;

/**
 * The administration service against real containers: what is attached, which handlers serve,
 * each container's policy with its sources and runtime overrides, statistics and the trace.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AdminIT extends HandlerIT {

    @Inject
    private Supervision supervision;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
        startHandler(TestSetup.SYSINFO, "sysinfo");
    }

    private ContainerInfo info(String id) {
        return supervision.container(id).orElseThrow(() -> new AssertionError(id + " is not attached"));
    }

    @Test
    public void containersShowWhatEachAskedForAndHowItWasAnswered() throws Exception {
        try (Container c = Container.start(id("list"))) {
            Container.Result r = c.exec("mknod /dev/n c 1 3; mknod /dev/b b 7 0; /opt/t/mknodtest badptr; "
                    + "free >/dev/null; echo done");
            assertEquals(r.toString(), "errno=EFAULT\ndone\n", r.out());
            // The exec's notify fd goes once the supervisor sees its hang-up, a moment after exec returns.
            TestSetup.waitFor(() -> info(c.id()).notifyPids().size() == 1, "the exec's notify fd detached");
            ContainerInfo listed = supervision.containers().stream().filter(i -> i.id().equals(c.id()))
                    .findFirst().orElseThrow(() -> new AssertionError(c.id() + " not listed"));
            assertEquals(c.hostPid(), listed.initPid());
            assertEquals("the init's notify fd (the exec's went with it)", List.of(c.hostPid()),
                    listed.notifyPids());
            assertEquals("mknod c 1 3 and free's sysinfo", 2, listed.emulated());
            assertEquals("the bad pointer", 1, listed.refused());
            assertEquals("the block device, left to the kernel", 1, listed.continued());
            assertEquals(4, listed.seen());
            assertTrue(listed.processes().isEmpty());

            // By a unique prefix, with the processes now in its pid namespace: the sleeping init.
            ContainerInfo detail = info(c.id().substring(0, c.id().length() - 4));
            assertEquals(c.id(), detail.id());
            assertEquals(List.of(c.hostPid()), detail.processes());
        }
        assertTrue("detached once gone", supervision.container(id("gone")).isEmpty());
    }

    @Test
    public void anAmbiguousPrefixIsAnError() throws Exception {
        String base = id("twin");
        try (Container a = Container.start(base + "a"); Container b = Container.start(base + "b")) {
            try {
                supervision.container(base);
                fail("an ambiguous prefix was accepted");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(a.id()) && e.getMessage().contains(b.id()));
            }
        }
    }

    @Test
    public void handlersShowWhatServesAndWhatCannot() throws Exception {
        HandlerInfo mknod = handler("mknod");
        assertEquals("serving", mknod.state());
        assertTrue(mknod.serving().containsAll(List.of("mknod", "mknodat")));
        assertTrue(mknod.bundle(), mknod.bundle().startsWith(TestSetup.MKNOD + " "));
        assertTrue(mknod.enabledByDefault());
        assertFalse(mknod.unsafe());
        assertTrue(handler("sched").unsafe());

        // A second handler for mknodat at a lower ranking, and one without a usable name.
        Hashtable<String, Object> loser = new Hashtable<>();
        loser.put(SyscallHandler.HANDLER, "shadow");
        loser.put(SyscallHandler.SYSCALLS, new String[] {"mknodat"});
        loser.put(org.osgi.framework.Constants.SERVICE_RANKING, -5);
        Hashtable<String, Object> nameless = new Hashtable<>();
        nameless.put(SyscallHandler.SYSCALLS, new String[] {"sysinfo"});
        SyscallHandler h = (call, target, policy) -> Response.continueSyscall();
        ServiceRegistration<SyscallHandler> r1 = context.registerService(SyscallHandler.class, h, loser);
        ServiceRegistration<SyscallHandler> r2 = context.registerService(SyscallHandler.class, h, nameless);
        try {
            HandlerInfo shadow = handler("shadow");
            assertEquals("rejected", shadow.state());
            assertTrue(shadow.problems().toString(), shadow.problems().get(0).contains("served by mknod"));
            HandlerInfo unnamed = supervision.handlers().stream().filter(i -> i.name() == null).findFirst()
                    .orElseThrow(() -> new AssertionError("the nameless handler is not listed"));
            assertTrue(unnamed.problems().toString(), unnamed.problems().get(0).contains("intercessor.handler"));
            assertEquals("serving", handler("mknod").state());
        } finally {
            r1.unregister();
            r2.unregister();
        }
        assertTrue(supervision.handlers().stream().noneMatch(i -> "shadow".equals(i.name())));
    }

    private HandlerInfo handler(String name) {
        return supervision.handlers().stream().filter(i -> name.equals(i.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no handler " + name + " in " + supervision.handlers()));
    }

    @Test
    public void policyShowsEachKeysSourceAndRuntimeChangesApplyToTheNextCall() throws Exception {
        try (Container c = Container.start(id("policy"), "--annotation", "setxattr.enabled=false",
                "--metadata", "mount.allowed=xfs,ext4", "--metadata", "setxattr.allowed=security.capability=x")) {
            assertEquals(new PolicyEntry("setxattr.enabled", "false", PolicyEntry.Source.ANNOTATION,
                    "true", PolicyEntry.Source.DEFAULT), entry(c.id(), "setxattr.enabled"));
            assertEquals("narrowed to the operator's bound", new PolicyEntry("mount.allowed", "ext4",
                    PolicyEntry.Source.METADATA, "ext4", PolicyEntry.Source.GLOBAL), entry(c.id(), "mount.allowed"));
            assertEquals("the operator says nothing: the option's default bounds the request", new PolicyEntry(
                    "setxattr.allowed", "", PolicyEntry.Source.METADATA, "trusted.overlay.opaque=y",
                    PolicyEntry.Source.DEFAULT), entry(c.id(), "setxattr.allowed"));
            assertEquals(new PolicyEntry("mknod.enabled", "true", PolicyEntry.Source.DEFAULT,
                    "true", PolicyEntry.Source.DEFAULT), entry(c.id(), "mknod.enabled"));
            assertEquals("an unsafe handler is off, but the operator lets containers ask",
                    new PolicyEntry("sched.enabled", "false", PolicyEntry.Source.DEFAULT,
                    "true", PolicyEntry.Source.GLOBAL), entry(c.id(), "sched.enabled"));

            supervision.setPolicy(c.id(), "mknod.enabled", "false");
            assertEquals(new PolicyEntry("mknod.enabled", "false", PolicyEntry.Source.RUNTIME,
                    "false", PolicyEntry.Source.RUNTIME), entry(c.id(), "mknod.enabled"));
            Container.Result off = c.exec("mknod /dev/n c 1 3 && echo made || echo refused");
            assertEquals(off.toString(), "refused\n", off.out());

            assertTrue(supervision.resetPolicy(c.id(), "mknod.enabled"));
            assertFalse("nothing left to reset", supervision.resetPolicy(c.id(), "mknod.enabled"));
            Container.Result on = c.exec("mknod /dev/n c 1 3 && echo made || echo refused");
            assertEquals(on.toString(), "made\n", on.out());
            assertEquals(PolicyEntry.Source.DEFAULT, entry(c.id(), "mknod.enabled").source());

            try {
                supervision.setPolicy(c.id(), "not a key", "x");
                fail("a malformed key was accepted");
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("malformed policy key"));
            }
        }
        try {
            supervision.policy(id("none"));
            fail("policy of a container that is not attached");
        } catch (NoSuchElementException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().startsWith("no attached container"));
        }
    }

    private PolicyEntry entry(String id, String key) throws Exception {
        TestSetup.awaitAttached(supervision, id);
        return supervision.policy(id).stream().filter(e -> e.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in " + supervision.policy(id)));
    }

    /**
     * @return the size of {@code records} once it has not grown for 200 ms: a call is recorded just
     *         after its answer, so the caller may have ended before its last record arrives
     */
    private static int settled(List<?> records) throws InterruptedException {
        int size;
        do {
            size = records.size();
            Thread.sleep(200);
        } while (records.size() != size);
        return size;
    }

    @Test
    public void statsAndTraceShowTheCallsStraceLike() throws Exception {
        long before = count("mknod", "mknodat") + count("mknod", "mknod");
        try (Container c = Container.start(id("trace"), "--syscalls", "mknod,mknodat,sysinfo,getppid")) {
            Container.Result r = c.exec("/opt/t/mknodtest at /dev n 1 3; /opt/t/mknodtest at /dev b 1 1; "
                    + "/opt/t/mknodtest badptr");
            assertEquals(r.toString(), "ok\nerrno=EPERM\nerrno=EFAULT\n", r.out());
            // Recorded just after each answer: the last may come a moment after the caller ended.
            TestSetup.waitFor(() -> supervision.recentCalls(c.id(), 10).size() >= 3, "3 calls in the recent list");
            List<CallRecord> recent = supervision.recentCalls(c.id(), 10);
            assertEquals(recent.toString(), 3, recent.size());
            String made = recent.get(0).toString();
            assertTrue(made, made.matches(java.util.regex.Pattern.quote(c.id()) + " \\d+ mknodat\\(\\d+, "
                    + "\"n\", S_IFCHR\\|0666, makedev\\(1, 3\\)\\) = 0 \\[mknod, emulated, [0-9.]+µs\\]"));
            // 1:1 is not on the list: the handler leaves it to the kernel without reading the path.
            assertTrue(recent.get(1).toString(), recent.get(1).toString()
                    .matches(".* mknodat\\(\\d+, 0x[0-9a-f]+, S_IFCHR\\|0666, makedev\\(1, 1\\)\\) = \\? "
                            + "\\[mknod, continued, [0-9.]+µs\\]"));
            assertTrue(recent.get(2).toString(), recent.get(2).toString()
                    .matches(".* mknodat\\(AT_FDCWD, 0x1, S_IFCHR\\|0666, makedev\\(1, 3\\)\\) = -1 EFAULT "
                            + "\\[mknod, refused, [0-9.]+µs\\]"));

            // Followers also see the plain "continue"s, which the recent list does not keep.
            List<CallRecord> followed = Collections.synchronizedList(new ArrayList<>());
            int afterFive;
            int whileFollowed;
            try (AutoCloseable f = supervision.follow(c.id(), followed::add)) {
                Container.Result loop = c.exec("/opt/t/mknodtest loop 5 getppid");
                assertTrue(loop.toString(), loop.out().startsWith("calls=5 "));
                afterFive = settled(followed);
                c.exec("/opt/t/mknodtest loop 8 getppid");
                whileFollowed = settled(followed);
            }
            // Each run is followed call by call: the 8-call run shows 3 more than the 5-call one
            // (busybox sh asks once for its $PPID in both).
            assertTrue(followed.toString(), afterFive >= 5);
            assertEquals(followed.toString(), 3, (whileFollowed - afterFive) - afterFive);
            c.exec("/opt/t/mknodtest loop 3 getppid"); // no longer followed
            assertEquals(whileFollowed, settled(followed));
            for (CallRecord call : followed) {
                assertEquals(Decision.CONTINUED, call.decision());
                assertEquals(null, call.handler());
                assertTrue(call.toString(), call.toString().matches(".* getppid\\(\\) = \\? \\[continued(, [0-9.]+µs)?\\]"));
            }
            assertEquals(3, supervision.recentCalls(c.id(), 10).size());
        }
        SyscallStats mknod = supervision.stats().stream()
                .filter(s -> "mknod".equals(s.handler()) && "mknodat".equals(s.syscall())).findFirst()
                .orElseThrow(() -> new AssertionError("no mknod stats"));
        assertEquals(3, count("mknod", "mknodat") + count("mknod", "mknod") - before);
        assertTrue(mknod.errors() >= 1);
        assertTrue(mknod.toString(), 0 < mknod.p50Nanos() && mknod.p50Nanos() <= mknod.p99Nanos()
                && mknod.p99Nanos() <= mknod.maxNanos() * 1.07);
        SyscallStats getppid = supervision.stats().stream()
                .filter(s -> s.handler() == null && "getppid".equals(s.syscall())).findFirst()
                .orElseThrow(() -> new AssertionError("no getppid stats"));
        assertTrue(getppid.toString(), getppid.count() >= 8 && getppid.errors() == 0);
    }

    private long count(String handler, String syscall) {
        return supervision.stats().stream()
                .filter(s -> handler.equals(s.handler()) && syscall.equals(s.syscall()))
                .mapToLong(SyscallStats::count).sum();
    }

    @Test
    public void everyConfigurationIsDescribedForOperators() throws Exception {
        org.osgi.util.tracker.ServiceTracker<MetaTypeService, MetaTypeService> t =
                new org.osgi.util.tracker.ServiceTracker<>(context, MetaTypeService.class, null);
        t.open();
        try {
            MetaTypeService metatype = t.waitForService(10_000);
            assertTrue("no MetaTypeService", metatype != null);
            MetaTypeInformation core = metatype.getMetaTypeInformation(TestSetup.installed(context, TestSetup.CORE));
            for (String pid : List.of("dev.intercessor.core", "dev.intercessor.oci", "dev.intercessor.audit",
                    "dev.intercessor.policy")) {
                assertTrue(pid + " has no description", List.of(core.getPids()).contains(pid));
                ObjectClassDefinition ocd = core.getObjectClassDefinition(pid, null);
                assertTrue(pid, ocd.getDescription() != null && !ocd.getDescription().isBlank());
            }
            MetaTypeInformation shell = metatype.getMetaTypeInformation(
                    TestSetup.installed(context, "dev.intercessor.shell"));
            assertEquals(List.of("dev.intercessor.shell"), List.of(shell.getPids()));
            ObjectClassDefinition audit = core.getObjectClassDefinition("dev.intercessor.audit", null);
            assertEquals(List.of("enabled", "path", "maxBytes", "files", "recordsPerSecond", "burst", "summarySeconds"),
                    java.util.Arrays.stream(audit.getAttributeDefinitions(ObjectClassDefinition.ALL))
                            .map(AttributeDefinition::getID).toList());
        } finally {
            t.close();
        }
    }
}
