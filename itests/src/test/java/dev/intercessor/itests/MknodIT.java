package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Hashtable;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * mknod emulation, seen from real unprivileged runc containers (user namespace, container root =
 * host uid 100000, no added capabilities) against Intercessor running in a real Felix framework.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MknodIT extends HandlerIT {

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
    }

    @Test
    public void containerIsUnprivileged() throws Exception {
        Container.Result r = Container.run(id("userns"),
                "cat /proc/self/uid_map; grep CapEff /proc/self/status");
        assertEquals(r.toString(), 0, r.exit());
        assertTrue(r.toString(), r.out().matches("(?s)\\s*0\\s+100000\\s+65536\\s*\\n.*"));
        // Docker's default set: no CAP_SYS_ADMIN (bit 21).
        long capEff = Long.parseLong(r.out().replaceAll("(?s).*CapEff:\\s*([0-9a-f]+).*", "$1").trim(), 16);
        assertEquals(0, capEff & (1L << 21));
    }

    @Test
    public void mknodOfDevNullGivesAUsableNodeOwnedByContainerRoot() throws Exception {
        try (Container c = Container.start(id("null"))) {
            Container.Result r = c.exec("mknod /dev/n c 1 3 && echo hello > /dev/n && cat /dev/n "
                    + "&& echo read-done && stat -c '%F %t:%T %u:%g' /dev/n");
            assertEquals(r.toString(), 0, r.exit());
            assertEquals(r.toString(), "read-done\ncharacter special file 1:3 0:0\n", r.out());
            // From the host: a char 1:3 node owned by host uid 100000 (the container's root).
            Path node = Path.of("/proc/" + c.hostPid() + "/root/dev/n");
            PosixFileAttributes a = Files.readAttributes(node, PosixFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            assertEquals(100000, (int) Files.getAttribute(node, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertEquals(100000, (int) Files.getAttribute(node, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertTrue(a.isOther());
            long rdev = (long) Files.getAttribute(node, "unix:rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            assertEquals(0x103, rdev);
        }
    }

    /** runc already bind-mounts /dev/zero (unremovable without CAP_SYS_ADMIN): use another name. */
    @Test
    public void zeroDeviceMadeByRelativePathInDevReadsZeroBytes() throws Exception {
        Container.Result r = Container.run(id("zero"),
                "cd /dev && mknod zero2 c 1 5 && head -c 16 zero2 | od -An -tx1 && stat -c '%t:%T' /dev/zero2");
        assertEquals(r.toString(), 0, r.exit());
        assertEquals(r.toString(), "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n1:5",
                r.out().trim().replaceAll("[ \t]+\n", "\n").replaceAll("^\\s+", ""));
    }

    @Test
    public void overlayWhiteoutSucceeds() throws Exception {
        Container.Result r = Container.run(id("whiteout"), "mknod /tmp/wh c 0 0 && stat -c '%F %t:%T' /tmp/wh");
        assertEquals(r.toString(), 0, r.exit());
        assertEquals("character special file 0:0\n", r.out());
    }

    @Test
    public void umaskIsHonoured() throws Exception {
        Container.Result r = Container.run(id("umask"),
                "umask 027 && mknod /tmp/um c 1 3 && stat -c %a /tmp/um && mknod -m 0604 /tmp/m2 c 1 3 && stat -c %a /tmp/m2");
        assertEquals(r.toString(), 0, r.exit());
        assertEquals("640\n604\n", r.out());
    }

    @Test
    public void mknodatThroughADirectoryFdWorks() throws Exception {
        Container.Result r = Container.run(id("dirfd"),
                "mkdir /tmp/d && /opt/t/mknodtest at /tmp/d nd 1 3 && /opt/t/mknodtest rw /tmp/d/nd "
                        + "&& stat -c '%t:%T' /tmp/d/nd");
        assertEquals(r.toString(), 0, r.exit());
        assertEquals("ok\nopen=ok write=5 read=0\n1:3\n", r.out());
    }

    @Test
    public void blockDevicesAndOtherCharDevicesAreRefusedWithEperm() throws Exception {
        Container.Result r = Container.run(id("refused"),
                "/opt/t/mknodtest mknod /tmp/b b 7 0; /opt/t/mknodtest at /tmp sda 8 0;"
                        + " /opt/t/mknodtest at /tmp mem 1 1; /opt/t/mknodtest mknod /tmp/kmsg c 1 11;"
                        + " ls /tmp | wc -l");
        assertEquals(r.toString(), 0, r.exit());
        assertEquals("errno=EPERM\nerrno=EPERM\nerrno=EPERM\nerrno=EPERM\n0\n", r.out());
    }

    @Test
    public void badPointersAndPathsGetTheKernelsErrno() throws Exception {
        Container.Result r = Container.run(id("badptr"),
                "/opt/t/mknodtest badptr; /opt/t/mknodtest longpath; /opt/t/mknodtest unterminated;"
                        + " /opt/t/mknodtest at /tmp '' 1 3; /opt/t/mknodtest at /tmp no/such/dir 1 3");
        assertEquals(r.toString(), 0, r.exit());
        assertEquals("errno=EFAULT\nerrno=ENAMETOOLONG\nerrno=EFAULT\nerrno=ENOENT\nerrno=ENOENT\n", r.out());
    }

    @Test
    public void symlinksCannotLeadOutsideTheContainersRoot() throws Exception {
        Path outside = Files.createTempDirectory("intercessor-escape-");
        try {
            Container.Result r = Container.run(id("escape"),
                    "ln -s ../../../../../../../..'" + outside + "' /tmp/up && ln -s '" + outside + "' /tmp/abs"
                            + " && mknod /tmp/up/null c 1 3; mknod /tmp/abs/null c 1 3;"
                            + " /opt/t/mknodtest at /tmp/up null2 1 3; mknod /proc/1/root/tmp/magic c 1 3; echo done");
            assertTrue(r.toString(), r.out().endsWith("done\n"));
            try (var listing = Files.list(outside)) {
                assertEquals("nothing may appear in the host directory", 0, listing.count());
            }
        } finally {
            Files.walk(outside).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    public void policyFromAnnotationsBeatsMetadataWhichBeatsTheDefault() throws Exception {
        String probe = "/opt/t/mknodtest at /tmp n 1 3";
        assertEquals("errno=EPERM\n", Container.run(id("annotation-off"), probe,
                "--annotation", "mknod.enabled=false").out());
        assertEquals("errno=EPERM\n", Container.run(id("metadata-off"), probe,
                "--metadata", "mknod.enabled=false").out());
        assertEquals("ok\n", Container.run(id("annotation-wins"), probe,
                "--annotation", "mknod.enabled=true", "--metadata", "mknod.enabled=false").out());
    }

    @Test
    public void globalPolicyFromConfigAdminAppliesToTheNextCall() throws Exception {
        ConfigurationAdmin cm = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        org.osgi.service.cm.Configuration global = cm.getConfiguration("dev.intercessor.policy", null);
        try (Container c = Container.start(id("global"))) {
            assertEquals("ok\n", c.exec("/opt/t/mknodtest at /tmp a 1 3").out());
            Hashtable<String, Object> off = new Hashtable<>();
            off.put("mknod.enabled", "false");
            global.update(off);
            TestSetup.waitFor(() -> c.exec("/opt/t/mknodtest at /tmp b 1 3").out().equals("errno=EPERM\n"),
                    "the global policy to switch mknod off");
            global.delete();
            TestSetup.waitFor(() -> c.exec("/opt/t/mknodtest at /tmp c 1 3").out().equals("ok\n"),
                    "mknod back on by the handler's default");
        } finally {
            if (cm.listConfigurations("(service.pid=dev.intercessor.policy)") != null) {
                global.delete();
            }
        }
    }

    @Test
    public void stoppingTheBundleGivesTheKernelsAnswerAndStartingItBringsEmulationBack() throws Exception {
        try (Container c = Container.start(id("hotswap"))) {
            assertEquals("ok\n", c.exec("/opt/t/mknodtest at /tmp before 1 3").out());
            Bundle mknod = TestSetup.installed(context, TestSetup.MKNOD);
            mknod.stop();
            awaitHandler("mknod", false);
            assertEquals("errno=EPERM\n", c.exec("/opt/t/mknodtest at /tmp stopped 1 3").out());
            mknod.start();
            awaitHandler("mknod", true);
            assertEquals("ok\n", c.exec("/opt/t/mknodtest at /tmp after 1 3").out());
            assertEquals("after\nbefore\n", c.exec("ls /tmp").out());
        }
    }
}
