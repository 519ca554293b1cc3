package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.Supervision;

/**
 * The third-party example, {@code examples/uname-handler}, as its author would use it: copied out
 * of this reactor, built by Maven on its own against the API jars this build made (put into a
 * private local repository: the nested build never writes to the user's), installed into the
 * supervisor, serving a real container its {@code uname.release}, then removed: the kernel answers.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExamplePluginIT extends HandlerIT {

    private static final String RELEASE = "4.19.0-intercessor-example";
    private static final String POLICY = "dev.intercessor.policy";

    @Inject
    private Supervision supervision;
    @Inject
    private ConfigurationAdmin configAdmin;

    private Dictionary<String, Object> operatorPolicy;

    @Before
    public void letContainersAskForTheRelease() throws Exception {
        TestSetup.awaitListener();
        operatorPolicy = configAdmin.getConfiguration(POLICY, "?").getProperties();
        Hashtable<String, Object> p = new Hashtable<>();
        for (Enumeration<String> keys = operatorPolicy.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            p.put(k, operatorPolicy.get(k));
        }
        // Without a bound a container's annotation for the key is ignored.
        p.put("bound.uname.release", RELEASE);
        configAdmin.getConfiguration(POLICY, "?").update(p);
    }

    @After
    public void restoreTheOperatorsPolicy() throws Exception {
        configAdmin.getConfiguration(POLICY, "?").update(operatorPolicy);
    }

    @Test
    public void theExampleBuiltOnItsOwnServesAContainerUntilItIsRemoved() throws Exception {
        Path jar = ExampleBuild.build("uname-handler", "com.example.intercessor.uname.UnameHandlerTest");
        Bundle bundle = context.installBundle(jar.toUri().toString());
        try {
            bundle.start();
            TestSetup.waitFor(() -> supervision.handlers().stream()
                    .anyMatch(h -> "uname".equals(h.name()) && h.state().equals("serving")), "the uname handler serving");
            HandlerInfo info = supervision.handlers().stream().filter(h -> "uname".equals(h.name())).findFirst().get();
            assertTrue(info.toString(), info.bundle().contains("com.example.intercessor.uname"));

            try (Container c = Container.start(id("uname"), "--syscalls", "uname",
                    "--annotation", "uname.release=" + RELEASE)) {
                TestSetup.awaitAttached(supervision, c.id());
                // ConfigAdmin delivers the operator's bound asynchronously.
                TestSetup.waitFor(() -> supervision.policy(c.id()).stream()
                        .anyMatch(e -> e.key().equals("uname.release") && RELEASE.equals(e.value())),
                        "the container's uname.release within the operator's bound");
                Container.Result r = c.exec("uname -r; uname -n; uname -s; uname -m; uname -v");
                assertEquals(r.toString(), RELEASE + "\n" + c.id() + "\nLinux\n" + UnameHandlerIT.hostArch() + "\n"
                        + kernel("version") + "\n", r.out());

                bundle.uninstall();
                awaitHandler("uname", false);
                r = c.exec("uname -r; uname -n");
                assertEquals("the kernel answers again: " + r, kernel("osrelease") + "\n" + c.id() + "\n", r.out());
            }
            ExampleBuild.delete(jar); // kept for a look when the test fails
        } finally {
            if (bundle.getState() != Bundle.UNINSTALLED) {
                bundle.uninstall();
            }
        }
    }

    private static String kernel(String file) throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel", file)).strip();
    }
}
