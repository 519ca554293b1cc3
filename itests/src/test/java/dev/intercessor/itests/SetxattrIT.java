package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;


import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;


/**
 * setxattr emulation in real unprivileged runc containers, on a host directory bind-mounted at
 * {@code /data} (owned by the container's root), with the result checked from the host.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SetxattrIT extends HandlerIT {

    private static final String X = "/opt/t/xattrtest";
    private static final String OPAQUE = "trusted.overlay.opaque";

    private Path data;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.SETXATTR, "setxattr");
        data = Files.createTempDirectory("intercessor-xattr-");
        Files.createDirectories(data.resolve("d"));
        Files.createDirectories(data.resolve("d2"));
        Files.createFile(data.resolve("f"));
        Files.createDirectories(data.resolve("hostowned"));
        host("chown", "-R", "100000:100000", data.toString());
        host("chown", "0:0", data.resolve("hostowned").toString());
    }

    @After
    public void tearDown() throws Exception {
        try (var paths = Files.walk(data)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void host(String... command) throws Exception {
        Container.Result r = Container.execute(List.of(command));
        assertEquals(r.toString(), 0, r.exit());
    }

    /** Reads an attribute as the host sees it (host root may read trusted.*). */
    private String hostGet(String file, String name) throws Exception {
        return Container.execute(List.of(Container.PROGRAMS.resolve("xattrtest").toString(), "get",
                data.resolve(file).toString(), name)).out();
    }

    private Container.Result run(String script) throws Exception {
        return Container.run(id("xattr"), script,
                "--bind", data + ":/data");
    }

    @Test
    public void opaqueMarkerIsSetOnTheDirectoryByPathSymlinkAndFd() throws Exception {
        Container.Result r = run(X + " set /data/d " + OPAQUE + " y; ln -s /data/d2 /tmp/l; "
                + X + " set /tmp/l " + OPAQUE + " y; mkdir /data/d3; "
                + X + " fset /data/d3 " + OPAQUE + " y");
        assertEquals(r.toString(), "ok\nok\nok\n", r.out());
        assertEquals("value=y\n", hostGet("d", OPAQUE));
        assertEquals("value=y\n", hostGet("d2", OPAQUE));
        assertEquals("value=y\n", hostGet("d3", OPAQUE));
    }

    /** The issue's case: overlayfs marks a directory of the container's own (writable) root. */
    @Test
    public void opaqueMarkerLandsOnTheDirectoryInTheRootfs() throws Exception {
        Path rootfs = data.resolve("rootfs");
        host(Container.HOME.resolve("bin/intercessor").toString(), "rootfs", rootfs.toString());
        host("mkdir", "-p", rootfs.resolve("upper/work").toString());
        host("chown", "-R", "100000:100000", rootfs.resolve("upper").toString());
        Container.Result r = Container.run(id("xattr-rootfs"),
                X + " set /upper/work " + OPAQUE + " y", "--rootfs", rootfs.toString(), "--writable-rootfs");
        assertEquals(r.toString(), "ok\n", r.out());
        assertEquals("value=y\n", hostGet("rootfs/upper/work", OPAQUE));
    }

    @Test
    public void everythingElseGetsTheKernelsAnswer() throws Exception {
        Container.Result r = run(String.join("; ",
                X + " set /data/d " + OPAQUE + " n",          // value not allowed
                X + " set /data/d trusted.foo y",              // name not allowed
                X + " set /data/d user.note hello",            // user.* works natively
                X + " get /data/d user.note",
                X + " fset /data/f " + OPAQUE + " y",          // by fd only for directories
                X + " set /data/hostowned " + OPAQUE + " y",   // a file of the host's
                "ln -s /data/d /tmp/l; " + X + " lset /tmp/l " + OPAQUE + " y")); // the link itself
        assertEquals(r.toString(), "errno=EPERM\nerrno=EPERM\nok\nvalue=hello\nerrno=EPERM\nerrno=EPERM\nerrno=EPERM\n",
                r.out());
        assertEquals("errno=ENODATA\n", hostGet("d", OPAQUE));
        assertEquals("errno=ENODATA\n", hostGet("f", OPAQUE));
        assertEquals("errno=ENODATA\n", hostGet("hostowned", OPAQUE));
    }

    @Test
    public void createAndReplaceFlagsAreHonoured() throws Exception {
        Container.Result r = run(String.join("; ",
                X + " set /data/d " + OPAQUE + " y 2",   // XATTR_REPLACE, absent
                X + " set /data/d " + OPAQUE + " y 1",   // XATTR_CREATE
                X + " set /data/d " + OPAQUE + " y 1",   // XATTR_CREATE, present
                X + " set /data/d " + OPAQUE + " y 2"));  // XATTR_REPLACE, present
        assertEquals(r.toString(), "errno=ENODATA\nok\nerrno=EEXIST\nok\n", r.out());
    }

    @Test
    public void badArgumentsGetTheKernelsErrno() throws Exception {
        Container.Result r = run(String.join("; ", X + " badname /data/d", X + " badvalue /data/d",
                X + " badpath x", X + " longname /data/d", X + " unterminated /data/d", X + " bigvalue /data/d",
                X + " badflags /data/d"));
        assertEquals(r.toString(),
                "errno=EFAULT\nerrno=EFAULT\nerrno=EFAULT\nerrno=ERANGE\nerrno=EFAULT\nerrno=E2BIG\nerrno=EINVAL\n", r.out());
        assertEquals("errno=ENODATA\n", hostGet("d", OPAQUE));
    }

    @Test
    public void rewritingNameAndValueWhileTheCallIsInFlightNeverSetsWhatIsNotAllowed() throws Exception {
        Container.Result r = run(X + " race /data/d 3000");
        assertEquals(r.toString(), "race done\n", r.out());
        assertEquals("errno=ENODATA\n", hostGet("d", "trusted.overlay.opaqux"));
        String opaque = hostGet("d", OPAQUE);
        assertTrue(opaque, opaque.equals("value=y\n") || opaque.equals("errno=ENODATA\n"));
        // The supervisor is still serving.
        assertEquals("ok\n", run(X + " set /data/d2 " + OPAQUE + " y").out());
    }

    @Test
    public void stoppingTheBundleGivesTheKernelsEpermAndStartingItBringsEmulationBack() throws Exception {
        Bundle bundle = TestSetup.installed(context, TestSetup.SETXATTR);
        bundle.stop();
        awaitHandler("setxattr", false);
        assertEquals("errno=EPERM\n", run(X + " set /data/d " + OPAQUE + " y").out());
        bundle.start();
        awaitHandler("setxattr", true);
        assertEquals("ok\n", run(X + " set /data/d " + OPAQUE + " y").out());
        assertEquals("value=y\n", hostGet("d", OPAQUE));
    }
}
