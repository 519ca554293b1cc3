package dev.intercessor.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.newConfiguration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The framework the integration tests run: the distribution's bundles (built jars, not classes),
 * with the core configured for a listener and device store of the tests' own, so a daemon on the
 * default paths is never disturbed.
 */
final class TestSetup {

    static final String LISTENER = "/run/intercessor-itest/oci.sock";
    static final String DEVICE_STORE = "/run/intercessor-itest/devices";
    static final String SHELL_SOCKET = "/run/intercessor-itest/shell.sock";
    static final String LXC_PROXY = "/run/intercessor-itest/lxc.sock";
    static final String KEEPER = "/run/intercessor-itest/keeper.sock";
    /** The tests' metrics endpoint (not the default port, which a daemon on this host may use). */
    static final String METRICS = "127.0.0.1:19464";
    /** The audit log, in the build's target directory. */
    static final Path AUDIT_LOG = Path.of("target", "audit", "audit.log").toAbsolutePath();
    static final String CORE = "dev.intercessor.core";
    /** The FUSE servers the tests' operator allows (bound.mount.fuse). */
    static final String FUSE_SERVERS = "ext4=/usr/bin/fuse2fs,ext4=/usr/local/lib/intercessor-itest/fusehang,vfat=/usr/bin/yes";
    static final String MKNOD = "dev.intercessor.handler.mknod";
    static final String SYSINFO = "dev.intercessor.handler.sysinfo";
    static final String SETXATTR = "dev.intercessor.handler.setxattr";
    static final String SCHED = "dev.intercessor.handler.sched";
    static final String MODULE = "dev.intercessor.handler.module";
    /** The modules the tests' operator lets containers ask for (bound.module.allowed). */
    static final String MODULES_BOUND = "dummy_allowed,dummy-failing,dummy_loaded";

    private TestSetup() {
    }

    static Option[] framework() throws IOException {
        Path home = Path.of(System.getProperty("intercessor.home"));
        List<Option> options = new ArrayList<>();
        List<Path> platform;
        try (Stream<Path> jars = Files.list(home.resolve("bundle"))) {
            platform = jars.sorted().toList();
        }
        // Platform bundles first, then the test configuration, then Intercessor's own bundles, so
        // the core's components find their configuration when they first activate.
        for (Path jar : platform) {
            String name = jar.getFileName().toString();
            if (name.startsWith("org.") && !name.startsWith("org.apache.felix.gogo.shell")) {
                options.add(bundle(jar.toUri().toString()));
            }
        }
        options.add(newConfiguration("dev.intercessor.oci").put("listenerPath", LISTENER).asOption());
        options.add(newConfiguration("dev.intercessor.core").put("deviceStore", DEVICE_STORE)
                .put("fuseHelper", home.resolve("libexec/intercessor-fuse").toString())
                .put("keeperSocket", KEEPER).put("keeperProgram", home.resolve("libexec/intercessor-keeper").toString())
                .asOption());
        options.add(newConfiguration("dev.intercessor.shell").put("socketPath", SHELL_SOCKET).asOption());
        options.add(newConfiguration("dev.intercessor.lxc").put("proxyPath", LXC_PROXY).asOption());
        options.add(newConfiguration("dev.intercessor.metrics").put("address", METRICS).asOption());
        options.add(newConfiguration("dev.intercessor.audit").put("path", AUDIT_LOG.toString()).asOption());
        // The operator's bounds: what the tests' containers may ask for with annotations and metadata.
        options.add(newConfiguration("dev.intercessor.policy")
                .put("bound.sched.enabled", "true")
                .put("bound.bpf.enabled", "true")
                .put("bound.bpf.maxPrograms", "64")
                .put("bound.mount.enabled", "true")
                .put("bound.mount.allowed", "ext4")
                .put("bound.mount.shift", "true")
                .put("bound.mount.fuse", FUSE_SERVERS)
                .put("bound.loop.enabled", "true")
                .put("bound.loop.max", "4")
                .put("bound.module.enabled", "true")
                .put("bound.module.allowed", MODULES_BOUND).asOption());
        for (Path jar : platform) {
            if (!jar.getFileName().toString().startsWith("org.")) {
                options.add(bundle(jar.toUri().toString()));
            }
        }
        try (Stream<Path> jars = Files.list(home.resolve("deploy"))) {
            jars.sorted().forEach(jar -> options.add(bundle(jar.toUri().toString())));
        }
        options.add(junitBundles());
        options.add(systemProperty("pax.exam.osgi.unresolved.fail").value("true"));
        options.add(systemProperty("intercessor.home").value(home.toString()));
        options.add(systemProperty("intercessor.test.audit").value(AUDIT_LOG.toString()));
        options.add(systemProperty("intercessor.test.programs")
                .value(System.getProperty("intercessor.test.programs")));
        return options(options.toArray(new Option[0]));
    }

    /** @return the command line of the shell client ({@code intercessor shell}) against the tests' shell socket */
    static List<String> shellClient(String... words) throws IOException {
        Path jar;
        try (Stream<Path> jars = Files.list(Container.HOME.resolve("bundle"))) {
            jar = jars.filter(p -> p.getFileName().toString().startsWith("shell-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no shell bundle in " + Container.HOME));
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", jar.toString(), "dev.intercessor.shell.client.ShellClient",
                "--socket", SHELL_SOCKET, "--"));
        command.addAll(List.of(words));
        return command;
    }

    /** Waits until the core listens on the test socket. */
    static void awaitListener() throws Exception {
        waitFor(() -> Files.exists(Path.of(LISTENER)), "listener socket " + LISTENER);
    }

    /**
     * Removes what runc leaves behind once its containers are gone: the empty {@code /intercessor}
     * parent cgroups that {@code bin/intercessor run} asks for. {@code rmdir} refuses a cgroup
     * still in use, so a running container is never disturbed.
     */
    static void removeEmptyParentCgroups() throws IOException {
        try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path controller : controllers.toList()) {
                Path parent = controller.resolve("intercessor");
                if (Files.isDirectory(parent)) {
                    parent.toFile().delete();
                }
            }
        }
    }

    static Bundle installed(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new IllegalStateException("bundle " + symbolicName + " is not installed");
    }

    interface Condition {
        boolean met() throws Exception;
    }

    /**
     * Waits until the supervisor has attached container {@code id}: runc reports a container
     * running once it has sent the notify fd, which may be before the attach is done.
     */
    static void awaitAttached(dev.intercessor.admin.Supervision supervision, String id) throws Exception {
        // Its session is listed as soon as it is made, its first notify fd an instant later.
        waitFor(() -> supervision.container(id).map(c -> !c.notifyPids().isEmpty()).orElse(false),
                "container " + id + " attached");
    }

    static void waitFor(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.met()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
