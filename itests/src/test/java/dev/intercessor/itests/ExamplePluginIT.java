package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
        Path jar = buildExample();
        Bundle bundle = context.installBundle(jar.toUri().toString());
        try {
            bundle.start();
            TestSetup.waitFor(() -> supervision.handlers().stream()
                    .anyMatch(h -> "uname".equals(h.name()) && h.state().equals("serving")), "the uname handler serving");
            HandlerInfo info = supervision.handlers().stream().filter(h -> "uname".equals(h.name())).findFirst().get();
            assertTrue(info.toString(), info.bundle().contains("com.example.intercessor.uname"));

            try (Container c = Container.start(id("uname"), "--syscalls", "uname",
                    "--annotation", "uname.release=" + RELEASE)) {
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
            deleteTree(jar.getParent().getParent().getParent()); // kept for a look when the test fails
        } finally {
            if (bundle.getState() != Bundle.UNINSTALLED) {
                bundle.uninstall();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    private static String kernel(String file) throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel", file)).strip();
    }

    /**
     * Builds a copy of the example with {@code mvn package}. Its local repository is a new one,
     * holding this build's api and api-testing jars (as {@code mvn install} would have put them);
     * everything else it copies from the outer build's local repository, reached as a
     * {@code file:} mirror, which Maven only reads, so the build needs no network.
     *
     * @return the bundle it made
     */
    private static Path buildExample() throws Exception {
        Path work = Files.createTempDirectory("intercessor-example-");
        Path project = work.resolve("uname-handler");
        Path source = Path.of(System.getProperty("intercessor.test.example"));
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.filter(f -> !source.relativize(f).startsWith("target")).toList()) {
                Files.copy(f, project.resolve(source.relativize(f).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        String version = System.getProperty("intercessor.test.version");
        Path repository = work.resolve("repository");
        for (String artifact : List.of("api", "api-testing")) {
            Path jar = Path.of(System.getProperty("intercessor.test." + artifact + ".jar"));
            assertTrue(jar + " is built", Files.isRegularFile(jar));
            Path dir = Files.createDirectories(repository.resolve("dev/intercessor").resolve(artifact).resolve(version));
            Files.copy(jar, dir.resolve(artifact + "-" + version + ".jar"));
            Files.writeString(dir.resolve(artifact + "-" + version + ".pom"), "<project><modelVersion>4.0.0</modelVersion>"
                    + "<groupId>dev.intercessor</groupId><artifactId>" + artifact + "</artifactId><version>" + version
                    + "</version></project>\n");
        }
        // A local repository has no checksum files: central's policy, which the mirror takes, ignores them.
        String outer = Path.of(System.getProperty("intercessor.test.maven.repository")).toUri().toString();
        String central = "<id>central</id><url>" + outer + "</url><snapshots><enabled>false</enabled></snapshots>"
                + "<releases><checksumPolicy>ignore</checksumPolicy></releases>";
        Path settings = Files.writeString(work.resolve("settings.xml"), "<settings><localRepository>" + repository
                + "</localRepository><mirrors><mirror><id>outer-build</id><mirrorOf>*</mirrorOf><url>" + outer
                + "</url></mirror></mirrors><profiles><profile><id>outer-build</id><repositories><repository>"
                + central + "</repository></repositories><pluginRepositories><pluginRepository>" + central
                + "</pluginRepository></pluginRepositories></profile></profiles>"
                + "<activeProfiles><activeProfile>outer-build</activeProfile></activeProfiles></settings>\n");

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("intercessor.test.maven.home"), "bin", "mvn").toString(),
                "-B", "-ntp", "-nsu", "--settings", settings.toString(), "-f", project.resolve("pom.xml").toString(),
                "package"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("build.log").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        long start = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the example's build took over 5 minutes: " + work.resolve("build.log"));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        String log = Files.readString(work.resolve("build.log"));
        assertEquals("the example's build (" + work + "):\n" + log, 0, p.exitValue());
        assertTrue("its unit tests ran:\n" + log, log.contains("-- in com.example.intercessor.uname.UnameHandlerTest"));
        System.out.printf("example plugin: built in %d ms in %s%n", millis, work);
        try (Stream<Path> jars = Files.list(project.resolve("target"))) {
            return jars.filter(j -> j.getFileName().toString().matches("uname-handler-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no jar in " + project.resolve("target")));
        }
    }
}
