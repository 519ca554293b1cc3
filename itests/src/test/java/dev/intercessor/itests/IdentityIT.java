package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import dev.intercessor.admin.Supervision;

/**
 * Who the caller is, as an attacker in the container would blur it (findings 7, 8 and 11 of the
 * security review): a nested user namespace is not the container's root, the acting thread carries
 * the caller's supplementary groups and not the supervisor's, and a container id already attached
 * cannot be joined from outside that container.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class IdentityIT extends HandlerIT {

    private static final String ASUSER = "/opt/t/asuser";

    @Inject
    private Supervision supervision;

    private Path dir;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
        startHandler("dev.intercessor.handler.bpf", "bpf");
        dir = Files.createTempDirectory("intercessor-identity");
    }

    @After
    public void tearDown() throws Exception {
        Container.execute(List.of("rm", "-rf", dir.toString()));
    }

    @Test
    public void aNestedUserNamespaceIsNotTheContainersRoot() throws Exception {
        try (Container c = Container.start(id("nested"), "--syscalls", "mknod,mknodat,bpf",
                "--annotation", "bpf.enabled=true")) {
            assertEquals("container root: emulated", "ok\n", c.exec("/opt/t/mknodtest at /tmp root 1 3").out());
            assertTrue(c.exec("/opt/t/bpftest type device").out().matches("load=\\d+\n"));

            // uid 1000 without capabilities makes a user namespace of its own: root there, nothing here.
            Container.Result r = c.exec(ASUSER + " nested 1000 /opt/t/mknodtest at /tmp nested 1 3");
            assertEquals("the kernel's answer: " + r, "errno=EPERM\n", r.out());
            r = c.exec(ASUSER + " nested 1000 /opt/t/bpftest type device");
            assertEquals("the kernel's answer: " + r, "load=errno=EPERM\n", r.out());
            assertEquals("no node made", "", c.exec("ls /tmp/nested 2>/dev/null").out());
        }
    }

    @Test
    public void theCallersGroupsDecideNotTheSupervisors() throws Exception {
        // Without the caller's own groups on the acting thread, group 5 below would not open; with
        // the supervisor's (group 0 when started from a root login), the group-0 directory would.
        Path rootGroup = Files.createDirectory(dir.resolve("root"));
        Path group5 = Files.createDirectory(dir.resolve("five"));
        Container.execute(List.of("chmod", "0770", rootGroup.toString(), group5.toString()));
        Container.execute(List.of("chown", "0:100005", group5.toString()));
        Container.execute(List.of("chmod", "0711", dir.toString()));
        try (Container c = Container.start(id("groups"), "--syscalls", "mknod,mknodat",
                "--bind", rootGroup + ":/g0", "--bind", group5 + ":/g5")) {
            Container.Result r = c.exec("/opt/t/mknodtest mknod /g0/null c 1 3");
            assertEquals(r.toString(), "errno=EACCES\n", r.out());
            r = c.exec("/opt/t/mknodtest mknod /g5/null c 1 3");
            assertEquals("not in group 5: " + r, "errno=EACCES\n", r.out());
            r = c.exec(ASUSER + " groups 5 /opt/t/mknodtest mknod /g5/null c 1 3");
            assertEquals("in group 5, as the caller's own groups say: " + r, "ok\n", r.out());
            r = c.exec(ASUSER + " groups 5 /opt/t/mknodtest mknod /g0/null c 1 3");
            assertEquals(r.toString(), "errno=EACCES\n", r.out());
        }
        assertFalse("nothing made in the group-0 directory", Files.exists(rootGroup.resolve("null")));
        assertTrue(Files.exists(group5.resolve("null")));
    }

    @Test
    public void aKnownContainerIdCannotBeJoinedFromOutsideTheContainer() throws Exception {
        Container.Result r0;
        try (Container c = Container.start(id("joined"))) {
            TestSetup.awaitAttached(supervision, c.id());
            // A process outside the container presents its own notify fd under the container's id.
            Container.Result r = Container.execute(List.of(Container.PROGRAMS.resolve("agentclient").toString(),
                    TestSetup.LISTENER, "runc", c.id()));
            assertEquals("refused: its fd is closed, its trapped call fails: " + r, "getppid=errno=38\n", r.out());
            assertEquals(1, supervision.container(c.id()).orElseThrow().notifyPids().size());
            // The same without a process (pid 0, as crun exec sends): taken, but its caller is not in
            // the container's pid namespace, so it is not served.
            r = Container.execute(List.of(Container.PROGRAMS.resolve("agentclient").toString(),
                    TestSetup.LISTENER, "crunexec", c.id()));
            assertEquals("not the container's: ENOSYS: " + r, "getppid=errno=38\n", r.out());
            assertEquals("an exec in the container is still served", "ok\n",
                    c.exec("/opt/t/mknodtest at /tmp exec 1 3").out());
        }
        // Without a process, an id nobody attached is refused.
        r0 = Container.execute(List.of(Container.PROGRAMS.resolve("agentclient").toString(),
                TestSetup.LISTENER, "crunexec", "it-unknown-" + UUID.randomUUID().toString().substring(0, 8)));
        assertEquals("refused: its fd is closed: " + r0, "getppid=errno=38\n", r0.out());
        // A new id from outside any user namespace is attached, but served by the kernel alone.
        Container.Result r = Container.execute(List.of(Container.PROGRAMS.resolve("agentclient").toString(),
                TestSetup.LISTENER, "runc", "it-hostns-" + UUID.randomUUID().toString().substring(0, 8)));
        assertEquals(r.toString(), "getppid=ok\n", r.out());
    }
}
