package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.intercessor.api.SyscallHandler;

/**
 * finit_module and init_module (issue 15, part 1) in real unprivileged runc containers. This kernel
 * has CONFIG_MODULES off, so the host's loader is a stand-in the test writes: a script that appends
 * each of its arguments to a file, one a line, and fails for {@code dummy_failing} as modprobe does
 * for a module it cannot find. The module images are gcc-made relocatable objects with a
 * {@code .modinfo} and a {@code .gnu.linkonce.this_module} section, as modpost makes them. What the
 * kernel answers without Intercessor is measured here, not assumed (ENOSYS on this kernel).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ModuleIT extends HandlerIT {

    private static final String M = "/opt/t/moduletest";
    private static final String PID = "dev.intercessor.module";

    @Inject
    private ConfigurationAdmin configAdmin;

    private static Path dir;
    private Path loaderLog;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MODULE, "module");
        synchronized (ModuleIT.class) {
            if (dir == null) {
                dir = TestImages.workDirectory("module");
                images(Files.createDirectories(dir.resolve("images")));
                Path loaded = Files.createDirectories(dir.resolve("sys-module/dummy_loaded"));
                Files.writeString(loaded.resolve("initstate"), "live\n");
            }
        }
        loaderLog = dir.resolve("loader-" + System.nanoTime() + ".log");
        Path loader = dir.resolve("loader-" + System.nanoTime() + ".sh");
        Files.writeString(loader, "#!/bin/sh\n"
                + "for a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '" + loaderLog + "'\n"
                + "if [ \"$1\" = dummy_failing ]; then\n"
                + "  echo \"modprobe: FATAL: Module $1 not found in directory /lib/modules/$(uname -r)\" >&2\n"
                + "  exit 1\n"
                + "fi\n"
                + "exit 0\n");
        Files.setPosixFilePermissions(loader, PosixFilePermissions.fromString("rwx------"));
        Hashtable<String, Object> config = new Hashtable<>();
        config.put("loader", loader.toString());
        config.put("sysModule", dir.resolve("sys-module").toString());
        config.put("timeoutMillis", 5000L);
        config.put("params.allowed", new String[] {"dummy_allowed numdummies=2"});
        configAdmin.getConfiguration(PID, "?").update(config);
        TestSetup.waitFor(() -> {
            for (ServiceReference<SyscallHandler> r : context.getServiceReferences(SyscallHandler.class,
                    "(intercessor.handler=module)")) {
                if (loader.toString().equals(r.getProperty("loader"))) {
                    return true;
                }
            }
            return false;
        }, "the module handler to take its configuration");
    }

    /** The test's module images, made by gcc as a module's object is made, and some that are none. */
    private static void images(Path images) throws Exception {
        module(images, "allowed.ko", "name=dummy_allowed", "dummy_allowed");
        module(images, "linkonce-only.ko", null, "dummy_allowed");
        module(images, "dummy_allowed.ko", "name=dummy_other", "dummy_other");
        module(images, "failing.ko", "name=dummy-failing", "dummy_failing");
        module(images, "loaded.ko", "name=dummy_loaded", "dummy_loaded");
        module(images, "unbound.ko", "name=dummy_unbound", "dummy_unbound");
        module(images, "semicolon.ko", "name=dummy_allowed;touch /tmp/module-it-owned", "dummy_allowed");
        module(images, "dotdot.ko", "name=../../dummy_allowed", "dummy_allowed");
        module(images, "slash.ko", "name=dummy_allowed/x", "dummy_allowed");
        module(images, "dollar.ko", "name=$(reboot)", "dummy_allowed");
        module(images, "struct-dollar.ko", null, "`reboot`");
        // Not modules: no struct module; cut short; not an ELF at all.
        Path c = images.resolve("no-struct.c");
        Files.writeString(c, modinfo("name=dummy_allowed"));
        TestImages.run("gcc", "-c", "-o", images.resolve("no-struct.ko").toString(), c.toString());
        byte[] allowed = Files.readAllBytes(images.resolve("allowed.ko"));
        Files.write(images.resolve("truncated.ko"), Arrays.copyOf(allowed, allowed.length / 2));
        Files.writeString(images.resolve("text.ko"), "#!/bin/sh\necho dummy_allowed\n");
        try (var files = Files.list(images)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
    }

    private static String modinfo(String entry) {
        return TestImages.modinfo(entry);
    }

    private static void module(Path images, String file, String modinfoEntry, String structName) throws Exception {
        TestImages.module(images.resolve(file), modinfoEntry, structName);
    }

    private String[] options(String... more) {
        List<String> all = new ArrayList<>(List.of("--syscalls", "finit_module,init_module", "--cap-add", "SYS_MODULE",
                "--bind", dir.resolve("images") + ":/opt/m:ro"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private String[] enabled(String allowed) {
        return options("--annotation", "module.enabled=true", "--annotation", "module.allowed=" + allowed);
    }

    private List<String> loaderRuns() throws Exception {
        return Files.exists(loaderLog) ? Files.readAllLines(loaderLog) : List.of();
    }

    /** What the kernel answers without Intercessor: no seccomp filter at all. */
    private String kernelAnswer() throws Exception {
        Container.Result r = Container.run(id("kernel"), M + " finit /opt/m/allowed.ko; " + M + " init /opt/m/allowed.ko",
                "--no-intercept", "--cap-add", "SYS_MODULE", "--bind", dir.resolve("images") + ":/opt/m:ro");
        String[] lines = r.out().split("\n");
        assertEquals(r.toString(), 2, lines.length);
        assertEquals("finit_module and init_module alike: " + r, lines[0], lines[1]);
        assertTrue(r.toString(), lines[0].startsWith("errno="));
        return lines[0];
    }

    @Test
    public void finitOfAnAllowedModuleRunsTheHostsLoaderWithExactlyItsName() throws Exception {
        Container.Result r = Container.run(id("finit"), M + " finit /opt/m/allowed.ko", enabled("dummy_allowed"));
        assertEquals(r.toString(), "ok\n", r.out());
        assertEquals(List.of("dummy_allowed"), loaderRuns());
    }

    @Test
    public void initOfAnAllowedModuleRunsTheHostsLoaderWithExactlyItsName() throws Exception {
        Container.Result r = Container.run(id("init"), M + " init /opt/m/allowed.ko", enabled("dummy_allowed"));
        assertEquals(r.toString(), "ok\n", r.out());
        assertEquals(List.of("dummy_allowed"), loaderRuns());
    }

    @Test
    public void withoutModinfoTheNameInStructModuleCounts() throws Exception {
        Container.Result r = Container.run(id("linkonce"), M + " finit /opt/m/linkonce-only.ko", enabled("dummy_allowed"));
        assertEquals(r.toString(), "ok\n", r.out());
        assertEquals(List.of("dummy_allowed"), loaderRuns());
    }

    @Test
    public void aFileNamedLikeAnAllowedModuleIsJudgedByTheNameInside() throws Exception {
        String kernel = kernelAnswer();
        Container.Result r = Container.run(id("misnamed"), M + " finit /opt/m/dummy_allowed.ko; " + M
                + " init /opt/m/dummy_allowed.ko", enabled("dummy_allowed"));
        assertEquals(r.toString(), kernel + "\n" + kernel + "\n", r.out());
        assertEquals(List.of(), loaderRuns());
    }

    @Test
    public void offUnlessTheContainerAsksThenTheKernelsAnswer() throws Exception {
        String kernel = kernelAnswer();
        Container.Result r = Container.run(id("off"), M + " finit /opt/m/allowed.ko; " + M + " init /opt/m/allowed.ko",
                options("--annotation", "module.allowed=dummy_allowed"));
        assertEquals(r.toString(), kernel + "\n" + kernel + "\n", r.out());
        r = Container.run(id("no-list"), M + " finit /opt/m/allowed.ko", options("--annotation", "module.enabled=true"));
        assertEquals(r.toString(), kernel + "\n", r.out());
        assertEquals(List.of(), loaderRuns());
    }

    @Test
    public void aModuleBeyondTheOperatorsBoundIsTheKernels() throws Exception {
        String kernel = kernelAnswer();
        Container.Result r = Container.run(id("unbound"), M + " finit /opt/m/unbound.ko; " + M + " init /opt/m/unbound.ko",
                enabled("dummy_allowed,dummy_unbound"));
        assertEquals(r.toString(), kernel + "\n" + kernel + "\n", r.out());
        assertEquals(List.of(), loaderRuns());
    }

    @Test
    public void malformedImagesAreEnoexecAndNoLoaderRuns() throws Exception {
        Container.Result r = Container.run(id("malformed"), String.join("; ",
                M + " finit /opt/m/truncated.ko", M + " init /opt/m/truncated.ko", M + " finit /opt/m/text.ko",
                M + " init /opt/m/no-struct.ko", M + " finit /opt/m/allowed.ko.c"), enabled("dummy_allowed"));
        assertEquals(r.toString(), "errno=ENOEXEC\n".repeat(5), r.out());
        assertEquals(List.of(), loaderRuns());
    }

    @Test
    public void namesWithShellMetacharactersOrSlashesAreRefusedAndNoLoaderRuns() throws Exception {
        Container.Result r = Container.run(id("names"), String.join("; ",
                M + " finit /opt/m/semicolon.ko", M + " init /opt/m/dotdot.ko", M + " finit /opt/m/slash.ko",
                M + " init /opt/m/dollar.ko", M + " finit /opt/m/struct-dollar.ko"), enabled("dummy_allowed"));
        assertEquals(r.toString(), "errno=ENOEXEC\n".repeat(5), r.out());
        assertEquals(List.of(), loaderRuns());
        assertTrue(Files.notExists(Path.of("/tmp/module-it-owned")));
    }

    @Test
    public void badArgumentsGetTheKernelsErrnos() throws Exception {
        Container.Result r = Container.run(id("args"), String.join("; ",
                M + " finitpath /opt/m/allowed.ko", M + " finitdir /opt/m", M + " finit /opt/m/allowed.ko 8",
                M + " finit /opt/m/allowed.ko 4", M + " initfault 4096", M + " finit /opt/m/allowed.ko 0 numdummies=1",
                M + " init /opt/m/allowed.ko numdummies=1"), enabled("dummy_allowed"));
        assertEquals(r.toString(), "errno=EBADF\nerrno=EINVAL\nerrno=EINVAL\nerrno=EOPNOTSUPP\nerrno=EFAULT\n"
                + "errno=EINVAL\nerrno=EINVAL\n", r.out());
        assertEquals(List.of(), loaderRuns());
    }

    @Test
    public void parametersTheOperatorListsAreTheLoadersFurtherArguments() throws Exception {
        Container.Result r = Container.run(id("params"), M + " finit /opt/m/allowed.ko 0 numdummies=2", enabled("dummy_allowed"));
        assertEquals(r.toString(), "ok\n", r.out());
        assertEquals(List.of("dummy_allowed", "numdummies=2"), loaderRuns());
    }

    @Test
    public void aLoaderFailureIsEnoentAndALoadedModuleEexist() throws Exception {
        Container.Result r = Container.run(id("fail"), M + " finit /opt/m/failing.ko; " + M + " init /opt/m/loaded.ko",
                enabled("dummy_allowed,dummy-failing,dummy_loaded"));
        assertEquals(r.toString(), "errno=ENOENT\nerrno=EEXIST\n", r.out());
        assertEquals("the loader ran for the failing one only", List.of("dummy_failing"), loaderRuns());
    }

    @Test
    public void onlyTheContainersRootWithCapSysModuleIsServed() throws Exception {
        String kernel = kernelAnswer();
        String[] noCap = {"--syscalls", "finit_module,init_module", "--bind", dir.resolve("images") + ":/opt/m:ro",
            "--annotation", "module.enabled=true", "--annotation", "module.allowed=dummy_allowed"};
        Container.Result r = Container.run(id("no-cap"), M + " finit /opt/m/allowed.ko", noCap);
        assertEquals(r.toString(), kernel + "\n", r.out());
        // root of a user namespace of its own: every capability there, none in the container's
        r = Container.run(id("nested"), "/opt/t/asuser nested 0 " + M + " finit /opt/m/allowed.ko; /opt/t/asuser nested 1000 "
                + M + " init /opt/m/allowed.ko", enabled("dummy_allowed"));
        assertEquals(r.toString(), kernel + "\n" + kernel + "\n", r.out());
        assertEquals(List.of(), loaderRuns());
    }

    @Test
    public void stoppingTheBundleGivesTheKernelsAnswer() throws Exception {
        String kernel = kernelAnswer();
        Bundle bundle = TestSetup.installed(context, TestSetup.MODULE);
        bundle.stop();
        try {
            awaitHandler("module", false);
            Container.Result r = Container.run(id("stopped"), M + " finit /opt/m/allowed.ko", enabled("dummy_allowed"));
            assertEquals(r.toString(), kernel + "\n", r.out());
        } finally {
            bundle.start();
            awaitHandler("module", true);
        }
        assertEquals(List.of(), loaderRuns());
    }
}
