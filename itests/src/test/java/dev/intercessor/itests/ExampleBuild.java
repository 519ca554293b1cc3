package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Builds one of {@code examples/} as its third-party author would: a copy outside this reactor,
 * built by Maven on its own against the API jars this build made.
 */
final class ExampleBuild {

    private ExampleBuild() {
    }

    /**
     * Builds a copy of {@code examples/<name>} with {@code mvn package}. Its local repository is a
     * new one, holding this build's api and api-testing jars (as {@code mvn install} would have put
     * them); everything else it copies from the outer build's local repository, reached as a
     * {@code file:} mirror, which Maven only reads, so the build needs no network.
     *
     * @param unitTest the example's unit test class, which must have run
     * @return the bundle it made
     */
    static Path build(String name, String unitTest) throws Exception {
        Path work = Files.createTempDirectory("intercessor-example-");
        Path project = work.resolve(name);
        Path source = Path.of(System.getProperty("intercessor.test.examples")).resolve(name);
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
        assertTrue("its unit tests ran:\n" + log, log.contains("-- in " + unitTest));
        System.out.printf("example plugin %s: built in %d ms in %s%n", name, millis, work);
        try (Stream<Path> jars = Files.list(project.resolve("target"))) {
            return jars.filter(j -> j.getFileName().toString().matches(java.util.regex.Pattern.quote(name) + "-.*\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no jar in " + project.resolve("target")));
        }
    }

    /** Deletes the work directory {@link #build} made for {@code jar}. */
    static void delete(Path jar) throws IOException {
        Path root = jar.getParent().getParent().getParent();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
