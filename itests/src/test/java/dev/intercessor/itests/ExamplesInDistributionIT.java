package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Both third-party examples as their users would deploy them: built from copies outside this
 * reactor against this build's API jars ({@link ExampleBuild}), dropped into a running
 * distribution's {@code deploy/}, serving real containers started with {@code intercessor run}
 * (the uname handler with its per-container option, the upcase handler with the user-space-defined
 * syscall 1000 through {@code --trap}), then taken out of {@code deploy/}: the kernel answers.
 * Runs a copy of the distribution on its own sockets and device store, as {@link LauncherIT} does.
 */
public class ExamplesInDistributionIT {

    private static final String RELEASE = "4.19.0-intercessor-example";
    private static PrivateDistribution distribution;

    @BeforeClass
    public static void copyDistribution() throws Exception {
        distribution = PrivateDistribution.copy("examples-it");
        // The operator lets containers ask for this release (the example's README says so).
        Files.writeString(distribution.home().resolve("etc/dev.intercessor.policy.cfg"),
                "bound.uname.release=" + RELEASE + "\n");
    }

    @AfterClass
    public static void stopIfRunning() throws Exception {
        distribution.remove();
    }

    private static Container.Result launcher(String... args) throws Exception {
        return distribution.launcher(args);
    }

    /** {@code intercessor run} against this copy's listener, with the test programs at /opt/t. */
    private static Container.Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("run", "--listener", distribution.listener(),
                "--bind", Container.PROGRAMS + ":/opt/t:ro"));
        command.addAll(List.of(args));
        return launcher(command.toArray(new String[0]));
    }

    private static void awaitHandler(String name, boolean serving) throws Exception {
        TestSetup.waitFor(() -> launcher("shell", "handlers").out().lines()
                .anyMatch(l -> l.startsWith(name + " ") && l.contains(" serving ")) == serving,
                "handler " + name + (serving ? " serving" : " gone"));
    }

    @Test
    public void theExamplesDroppedIntoDeployServeContainersUntilTakenOut() throws Exception {
        Path uname = ExampleBuild.build("uname-handler", "com.example.intercessor.uname.UnameHandlerTest");
        Path upcase = ExampleBuild.build("usersyscall-handler", "com.example.intercessor.upcase.UpcaseHandlerTest");
        Container.Result started = launcher("start");
        assertEquals(started.toString(), 0, started.exit());
        String kernelRelease = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();

        Path unameJar = distribution.home().resolve("deploy/uname-handler.jar");
        Path upcaseJar = distribution.home().resolve("deploy/usersyscall-handler.jar");
        Files.copy(uname, unameJar, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(upcase, upcaseJar, StandardCopyOption.REPLACE_EXISTING);
        awaitHandler("uname", true);
        awaitHandler("upcase", true);

        Container.Result r = run("--syscalls", "uname", "--annotation", "uname.release=" + RELEASE, "--", "uname", "-r");
        assertEquals(r.toString(), RELEASE + "\n", r.out());
        r = run("--syscalls", "uname", "--", "uname", "-r");
        assertEquals("a container that does not ask keeps the kernel's: " + r, kernelRelease + "\n", r.out());
        r = run("--trap", "1000", "--", "/opt/t/upcasetest", "hello, deploy");
        assertEquals(r.toString(), "= 13 HELLO, DEPLOY\n", r.out());

        Files.delete(unameJar);
        Files.delete(upcaseJar);
        awaitHandler("uname", false);
        awaitHandler("upcase", false);
        r = run("--syscalls", "uname", "--annotation", "uname.release=" + RELEASE, "--", "uname", "-r");
        assertEquals("the kernel answers: " + r, kernelRelease + "\n", r.out());
        r = run("--trap", "1000", "--", "/opt/t/upcasetest", "hello");
        assertEquals("the kernel answers: " + r, "errno ENOSYS\n", r.out());
        assertTrue(launcher("stop").exit() == 0);
        ExampleBuild.delete(uname);
        ExampleBuild.delete(upcase);
    }
}
