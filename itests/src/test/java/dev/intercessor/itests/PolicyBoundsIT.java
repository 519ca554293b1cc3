package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;


import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.intercessor.admin.PolicyEntry;
import dev.intercessor.admin.Supervision;

/**
 * Finding 2 of the security review: the operator's configuration bounds what a container's own
 * annotations and listener metadata may ask for. Shown with the unsafe sched handler and with
 * mount-to-FUSE naming a program of the container's choosing, in real containers.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PolicyBoundsIT extends HandlerIT {

    private static final String SCHED = "/opt/t/schedtest set 0 fifo 10";
    private static final String[] RT = {"--cap-add", "SYS_NICE", "--rt-runtime", "100000",
        "--syscalls", "sched_setscheduler,sched_setparam", "--annotation", "sched.enabled=true"};

    @Inject
    private ConfigurationAdmin configAdmin;
    @Inject
    private Supervision supervision;

    private OperatorPolicy operator;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.SCHED, "sched");
        startHandler("dev.intercessor.handler.mount", "mount");
        operator = new OperatorPolicy(configAdmin, supervision);
    }

    @After
    public void restoreTheOperatorsPolicy() throws Exception {
        operator.restore();
    }

    @Test
    public void anAnnotationCannotTurnOnAnUnsafeHandlerTheOperatorDidNotBound() throws Exception {
        operator.says("mknod.enabled", "true");
        Container.Result r = Container.run(id("sched-unbounded"), SCHED, RT);
        assertEquals(r.toString(), "errno=EPERM\n", r.out());

        operator.says("bound.sched.enabled", "true");
        r = Container.run(id("sched-bounded"), SCHED, RT);
        assertEquals("with the operator's bound the same request is served: " + r, "ok\n", r.out());
    }

    @Test
    public void anAnnotationCannotNameAFuseServerTheOperatorDidNotList() throws Exception {
        operator.says("bound.mount.enabled", "true", "bound.mount.fuse", TestSetup.FUSE_SERVERS);
        try (Container c = Container.start(id("fuse-sh"), "--cap-add", "SYS_ADMIN", "--syscalls", "mount",
                "--annotation", "mount.enabled=true", "--annotation", "mount.fuse=ext4=sh")) {
            // runc reports "running" once it has sent the notify fd, maybe before the attach is done
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (supervision.container(c.id()).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            PolicyEntry fuse = supervision.policy(c.id()).stream().filter(e -> e.key().equals("mount.fuse"))
                    .findFirst().orElseThrow();
            // "sh" is no TYPE=/usr/... entry: the option refuses the request outright.
            assertEquals(new PolicyEntry("mount.fuse", "", PolicyEntry.Source.DEFAULT, TestSetup.FUSE_SERVERS,
                    PolicyEntry.Source.GLOBAL), fuse);
            // The container's own "server": were it run, it would leave a mark on the host.
            Container.Result r = c.exec("mkdir -p /tmp/m && printf x > /tmp/img && "
                    + "/opt/t/mounttest mount /tmp/img /tmp/m ext4 0");
            assertEquals("the kernel's answer to a user namespace: " + r, "errno=EPERM\n", r.out());
        }
    }
}
