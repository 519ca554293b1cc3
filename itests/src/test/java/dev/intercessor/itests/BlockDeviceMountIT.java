package dev.intercessor.itests;

import static dev.intercessor.itests.TestImages.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * mount(2) of a block device the container was given (issue 14, item 2): a host loop device on an
 * ext4 image the test makes, passed in with {@code intercessor run --device} (present in its /dev,
 * allowed by its device cgroup, owned by its root), mounted in each mode; and what is refused: a
 * block device in its /dev that its device cgroup denies, a symlink to a host path, a node it makes,
 * one it may not open.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BlockDeviceMountIT extends HandlerIT {

    private static final String MOUNT = "dev.intercessor.handler.mount";
    private static final String SYSCALLS = "mount,fsopen,fsconfig,fsmount,fspick,open_tree,move_mount";
    private static final String FUSE = "mount.fuse=ext4=/usr/bin/fuse2fs";
    private Path dir;
    private Path image;
    private Path deniedImage;
    private String device;
    private String denied;

    @Before
    public void setUp() throws Exception {
        startHandler(MOUNT, "mount");
        dir = TestImages.workDirectory("blockmount");
        image = dir.resolve("disk.ext4");
        deniedImage = dir.resolve("denied.ext4");
        TestImages.ext4(dir, image, deniedImage);
        device = attach(image);
        denied = attach(deniedImage);
    }

    /** @return a host loop device on {@code img}, owned by the container's root (host uid 100000) */
    private static String attach(Path img) throws Exception {
        Container.Result r = Container.execute(List.of("losetup", "-f", "--show", img.toString()));
        assertEquals(r.toString(), 0, r.exit());
        String loop = r.out().trim();
        run("chown", "100000:100000", loop);
        return loop;
    }

    @After
    public void tearDown() throws Exception {
        for (String loop : new String[] {device, denied}) {
            if (loop != null) {
                Container.execute(List.of("chown", "0:6", loop)); // devtmpfs keeps the node: root:disk again
                Container.execute(List.of("losetup", "-d", loop));
            }
        }
        for (Path img : List.of(image, deniedImage)) {
            TestSetup.waitFor(() -> Container.execute(List.of("losetup", "-j", img.toString())).out().isEmpty(),
                    "no loop device left on " + img);
        }
        String hostMounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(hostMounts, hostMounts.contains(device + " ") || hostMounts.contains(" - fuse "));
        run("rm", "-rf", dir.toString());
    }

    private Container container(String name, List<String> runOptions, String... policy) throws Exception {
        List<String> options = new ArrayList<>(List.of("--cap-add", "SYS_ADMIN", "--syscalls", SYSCALLS,
                "--annotation", "mount.enabled=true", "--device", device));
        options.addAll(runOptions);
        for (String p : policy) {
            options.addAll(List.of("--annotation", p));
        }
        return Container.start(id(name), options.toArray(new String[0]));
    }

    private String debugfs(String request) throws Exception {
        return Container.execute(List.of("debugfs", "-R", request, image.toString())).out();
    }

    @Test
    public void aBlockDeviceTheContainerWasGivenIsMountedByTheKernel() throws Exception {
        try (Container c = container("blk-kernel", List.of(), "mount.allowed=ext4")) {
            Container.Result r = c.exec("mkdir /tmp/m && /opt/t/mounttest mount " + device + " /tmp/m ext4 0 && "
                    + "cat /tmp/m/hello.txt && stat -c '%u:%g' /tmp/m/hello.txt && grep ' /tmp/m ' /proc/self/mountinfo");
            List<String> lines = r.out().lines().toList();
            assertEquals(r.toString(), "ok", lines.get(0));
            assertEquals("from host", lines.get(1));
            assertEquals("65534:65534", lines.get(2));
            assertTrue(lines.get(3), lines.get(3).matches(".* /tmp/m rw,nosuid,nodev,relatime - ext4 " + device + " rw,.*errors=remount-ro.*"));
            // Left mounted: it goes with the container's mount namespace, which tearDown sees as the
            // loop device detaching (losetup -d of a device still mounted only marks it autoclear).
        }
    }

    @Test
    public void aShiftedMountOfTheDeviceWritesAsTheContainersRoot() throws Exception {
        try (Container c = container("blk-shift", List.of(), "mount.allowed=ext4", "mount.shift=true")) {
            Container.Result r = c.exec("mkdir /tmp/m && /opt/t/mounttest mount " + device + " /tmp/m ext4 0 && "
                    + "stat -c '%u:%g' /tmp/m/hello.txt && echo 'from the container' > /tmp/m/new.txt && "
                    + "grep -c ' /tmp/m .*idmapped' /proc/self/mountinfo; /opt/t/mounttest umount /tmp/m");
            assertEquals(r.toString(), "ok\n0:0\n1\nok\n", r.out());
        }
        assertEquals("from the container\n", debugfs("cat /new.txt"));
    }

    @Test
    public void aFuseServerServesTheDevice() throws Exception {
        try (Container c = container("blk-fuse", List.of(), FUSE)) {
            Container.Result r = c.exec("mkdir /tmp/m && /opt/t/mounttest mount " + device + " /tmp/m ext4 0 && "
                    + "cat /tmp/m/hello.txt && stat -c '%u:%g' /tmp/m/hello.txt && "
                    + "grep -c ' /tmp/m .*nosuid,nodev.* - fuse ' /proc/self/mountinfo && "
                    + "echo 'from the container' > /tmp/m/new.txt && /opt/t/mounttest umount /tmp/m");
            assertEquals(r.toString(), "ok\nfrom host\n0:0\n1\nok\n", r.out());
            TestSetup.waitFor(() -> fuseServers().isEmpty(), "the server to end on umount");
        }
        assertEquals("from the container\n", debugfs("cat /new.txt"));
        assertEquals(0, Container.execute(List.of("e2fsck", "-fn", image.toString())).exit());
    }

    /** util-linux's mount(8), the host's (2.38: mount(2); 2.39+ fall back to it on fsopen's ENOSYS). */
    @Test
    public void utilLinuxMountOfAnAllowedTypeWorks() throws Exception {
        try (Container c = container("blk-utillinux", List.of("--bind", "/usr:/mnt:ro"), "mount.allowed=ext4")) {
            String mount = "/mnt/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path /mnt/lib/x86_64-linux-gnu "
                    + "/mnt/bin/mount";
            Container.Result r = c.exec("mkdir /tmp/m && " + mount + " -t ext4 -o ro " + device + " /tmp/m && "
                    + "cat /tmp/m/hello.txt && grep -c ' /tmp/m ro,nosuid,nodev' /proc/self/mountinfo && umount /tmp/m && echo done");
            assertEquals(r.toString(), "from host\n1\ndone\n", r.out());
        }
    }

    @Test
    public void aBlockDeviceTheDeviceCgroupDeniesOrAHostPathIsRefused() throws Exception {
        try (Container c = container("blk-attack", List.of("--bind", denied + ":/dev/other"), "mount.allowed=ext4")) {
            String mount = "mkdir -p /tmp/m; /opt/t/mounttest mount ";
            assertEquals("in its /dev, openable, but not in its device cgroup", "errno=EPERM\n",
                    c.exec(mount + "/dev/other /tmp/m ext4 ro").out());
            assertEquals("the kernel agrees: the container cannot open it", "no\n",
                    c.exec("head -c1 /dev/other >/dev/null 2>&1 && echo yes || echo no").out());
            assertEquals("a symlink resolves in the container's root", "errno=ENOENT\n",
                    c.exec("ln -s " + denied + " /tmp/l && " + mount + "/tmp/l /tmp/m ext4 0").out());
            assertEquals("a character device is no source", "errno=ENOTBLK\n",
                    c.exec(mount + "/dev/null /tmp/m ext4 0").out());
            assertEquals("a node it makes itself: no block device in a user namespace", "refused\n",
                    c.exec("mknod /tmp/b b 7 0 2>/dev/null && echo made || echo refused").out());
            // Given and allowed, but the caller may not open it (host root's, 0600): the caller's EACCES.
            run("chown", "0:0", device);
            try {
                assertEquals("errno=EACCES\n", c.exec(mount + device + " /tmp/m ext4 ro").out());
            } finally {
                run("chown", "100000:100000", device);
            }
            assertEquals("0\n", c.exec("grep -c ' /tmp/m ' /proc/self/mountinfo").out());
        }
        assertEquals(List.of(), fuseServers());
    }

    /**
     * The container is killed while its mount-to-FUSE of the device waits for a server that never
     * answers (fusehang, as in MountIT, under the operator's bound): no server, helper or mount left.
     */
    @Test
    public void aContainerKilledMidMountLeavesNothing() throws Exception {
        Path hang = Path.of("/usr/local/lib/intercessor-itest/fusehang");
        Files.createDirectories(hang.getParent());
        Files.copy(Container.PROGRAMS.resolve("fusehang"), hang, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        hang.toFile().setExecutable(true, false);
        String server = hang + "\0/image\0";
        try {
            try (Container c = container("blk-killed", List.of(), "mount.fuse=ext4=" + hang)) {
                c.exec("mkdir /tmp/m; (/opt/t/mounttest mount " + device + " /tmp/m ext4 0 >/dev/null 2>&1 &); sleep 2");
                TestSetup.waitFor(() -> pidsStarting(server).size() == 1, "the hung server to start");
                assertFalse("the helper waits for it (with its forks)", pidsStarting(helper()).isEmpty());
            }
            TestSetup.waitFor(() -> pidsStarting(server).isEmpty() && pidsStarting(helper()).isEmpty(),
                    "no server or helper left");
        } finally {
            Files.deleteIfExists(hang);
        }
    }

    private static String helper() {
        return Container.HOME.resolve("libexec/intercessor-fuse") + "\0mount\0";
    }

    private static List<Integer> fuseServers() throws Exception {
        return pidsStarting("/usr/bin/fuse2fs\0/image\0");
    }

    /** @return the pids whose command line starts with {@code cmdline} (NUL-separated) */
    private static List<Integer> pidsStarting(String cmdline) throws Exception {
        List<Integer> found = new ArrayList<>();
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(q -> q.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readString(p.resolve("cmdline")).startsWith(cmdline)) {
                        found.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (java.io.IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }
}
