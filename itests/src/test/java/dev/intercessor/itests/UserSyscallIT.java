package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.Supervision;

/**
 * A syscall no kernel has, served: {@code examples/usersyscall-handler} built as a third party
 * would and installed, a real container calling syscall 1000 through {@code intercessor run --trap}
 * ({@code libexec/intercessor-init} installs the filter and hands its listener over through the
 * doorbell), and what a container can and cannot do with the doorbell.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UserSyscallIT extends HandlerIT {

    private static final String INIT = "/dev/intercessor-init";

    @Inject
    private Supervision supervision;

    @Test
    public void theExampleServesSyscall1000ToAContainerUntilItIsRemovedThenTheKernelSaysEnosys() throws Exception {
        startHandler("dev.intercessor.handler.mknod", "mknod");
        Path jar = ExampleBuild.build("usersyscall-handler", "com.example.intercessor.upcase.UpcaseHandlerTest");
        Bundle bundle = context.installBundle(jar.toUri().toString());
        try {
            bundle.start();
            TestSetup.waitFor(() -> supervision.handlers().stream()
                    .anyMatch(h -> "upcase".equals(h.name()) && h.state().equals("serving")), "the upcase handler serving");
            HandlerInfo info = supervision.handlers().stream().filter(h -> "upcase".equals(h.name())).findFirst().get();
            assertEquals(info.toString(), List.of("x86_64:1000", "aarch64:1000"), info.serving());

            // The names the runtime would have trapped (mknodat among them) now come through
            // intercessor-init's filter too: its listener is the container's only one.
            Container.Result r = Container.run(id("upcase"), "/opt/t/upcasetest 'hello, kernel'; /opt/t/upcasetest --badptr; "
                    + "/opt/t/upcasetest --badlen; mknod /dev/n c 1 3 && echo hi > /dev/n && echo mknod served",
                    "--trap", "1000");
            assertEquals(r.toString(), "= 13 HELLO, KERNEL\nerrno EFAULT\nerrno EINVAL\nmknod served\n", r.out());

            bundle.uninstall();
            awaitHandler("upcase", false);
            r = Container.run(id("upcase-gone"), "/opt/t/upcasetest hello", "--trap", "1000");
            assertEquals("the kernel answers: " + r, "errno ENOSYS\n", r.out());
            ExampleBuild.delete(jar); // kept for a look when the test fails
        } finally {
            if (bundle.getState() != Bundle.UNINSTALLED) {
                bundle.uninstall();
            }
        }
    }

    @Test
    public void withoutTheDoorbellRuleTheCallIsTheKernelsAndIntercessorInitSaysWhy() throws Exception {
        TestSetup.awaitListener();
        Container.Result r = Container.run(id("no-doorbell"), INIT + " --trap 1000 -- /opt/t/upcasetest x",
                "--bind", Container.HOME.resolve("libexec/intercessor-init") + ":" + INIT + ":ro");
        assertEquals(r.toString(), 125, r.exit());
        assertTrue(r.toString(), r.err().contains("the doorbell was refused: not trapped"));
    }

    @Test
    public void doorbellNamingAnFdTheCallerDoesNotHaveIsEbadfAndTheContainerIsStillServed() throws Exception {
        startHandler("dev.intercessor.handler.mknod", "mknod");
        try (Container c = Container.start(id("doorbell-ebadf"), "--trap", "1000")) {
            // runc exec: a runtime listener of its own, whose profile notifies only the doorbell.
            Container.Result r = c.exec("/opt/t/doorbelltest 999");
            assertEquals(r.toString(), "errno EBADF\n", r.out());
            // An open fd is taken at its word: answered 0, its runtime listener let go; the
            // supervisor looks for a listener there for 5 s, then gives up (logged).
            r = c.exec("/opt/t/doorbelltest 1");
            assertEquals(r.toString(), "= 0\n", r.out());
            // Run by hand, intercessor-init must trap every call the runtime's filter would have.
            r = c.exec(INIT + " --trap 1000," + mknodatNumber() + " -- sh -c 'mknod /dev/n c 1 3 && echo hi > /dev/n && echo served'");
            assertEquals(r.toString(), "served\n", r.out());
        }
    }

    /** @return mknodat's number here (busybox mknod calls mknodat) */
    private static int mknodatNumber() {
        return UnameHandlerIT.hostArch().equals("aarch64") ? 33 : 259;
    }

    @Test
    public void aListenerWhoseCallersAreOutsideTheContainerIsHandedOverButItsCallsGetEnosys() throws Exception {
        startHandler("dev.intercessor.handler.sysinfo", "sysinfo");
        Path exchange = Files.createTempDirectory("intercessor-listenerpass-");
        try {
            // The container's root (host uid 100000) makes the socket there.
            Files.setAttribute(exchange, "unix:uid", 100000);
            try (Container c = Container.start(id("doorbell-outsider"), "--trap", "1000",
                    "--bind", exchange + ":/x")) {
                // runc exec: a runtime listener of its own, to ring the doorbell on.
                CompletableFuture<Container.Result> receiver = CompletableFuture.supplyAsync(() -> {
                    try {
                        return c.exec("/opt/t/listenerpass receive /x/sock 7");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // A host process's listener, passed in: its caller is in the host's pid namespace.
                Container.Result sender = Container.execute(List.of(
                        Container.PROGRAMS.resolve("listenerpass").toString(), "send", exchange.resolve("sock").toString()));
                Container.Result received = receiver.get();
                assertEquals(received.toString(), "doorbell = 0\n", received.out());
                // Taken (else the call would wait for the alarm: EINTR), and not served (else 0).
                assertEquals(sender.toString(), "sysinfo errno ENOSYS\n", sender.out());
            }
        } finally {
            Files.deleteIfExists(exchange.resolve("sock"));
            Files.delete(exchange);
        }
    }

    @Test
    public void doorbellTurnedOffByTheContainersPolicyIsEperm() throws Exception {
        TestSetup.awaitListener();
        Container.Result r = Container.run(id("doorbell-off"), "/opt/t/upcasetest x", "--trap", "1000",
                "--annotation", "doorbell.enabled=false");
        assertEquals(r.toString(), 125, r.exit());
        assertTrue(r.toString(), r.err().contains("EPERM (turned off by policy doorbell.enabled"));
    }

    @Test
    public void aContainerHandsOverAtMostFourListenersAndAFreedPlaceCanBeTakenAgain() throws Exception {
        TestSetup.awaitListener();
        try (Container c = Container.start(id("doorbell-limit"), "--trap", "1000")) { // the first
            for (int i = 2; i <= 4; i++) {
                Container.Result d = Container.execute(List.of("runc", "exec", "-d", c.id(), "sh", "-c",
                        "exec >/dev/null 2>&1; exec " + INIT + " --trap 1000 -- sleep 5" + i));
                assertEquals(d.toString(), 0, d.exit());
            }
            // intercessor-init runs sleep once its listener is served.
            TestSetup.waitFor(() -> c.exec("ps -o args").out().split("sleep 5[234]", -1).length == 4,
                    "three more listeners handed over");
            Container.Result r = c.exec(INIT + " --trap 1000 -- true");
            assertEquals(r.toString(), 125, r.exit());
            assertTrue(r.toString(), r.err().contains("EMFILE"));

            // A listener goes when its processes do: its place is free again.
            Container.Result k = c.exec("kill $(ps -o pid,args | awk '/sleep 5[2]/ { print $1 }')");
            assertEquals(k.toString(), 0, k.exit());
            TestSetup.waitFor(() -> c.exec(INIT + " --trap 1000 -- true").exit() == 0, "a freed place taken");
        }
    }
}
