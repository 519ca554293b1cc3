package dev.intercessor.itests;

import static dev.intercessor.itests.TestImages.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
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
 * Loop devices for containers (issue 14, item 1): {@code intercessor run --loop}, the loop handler
 * lending host loop devices, in real unprivileged runc containers; busybox's and util-linux's
 * losetup, then a mount through the mount handler; what is refused; nothing left when the container
 * ends, also when it is killed.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LoopDeviceIT extends HandlerIT {

    private static final String LOOP = "dev.intercessor.handler.loop";
    private static final String MOUNT = "dev.intercessor.handler.mount";
    private Path dir;
    private Path image;

    @Before
    public void setUp() throws Exception {
        startHandler(LOOP, "loop");
        startHandler(MOUNT, "mount");
        dir = TestImages.workDirectory("loop");
        image = dir.resolve("disk.ext4");
        TestImages.ext4(dir, image);
        run("truncate", "-s", "1M", dir.resolve("plain.img").toString());
        run("chown", "-R", "100000:100000", dir.toString());
    }

    @After
    public void tearDown() throws Exception {
        assertNoLoopDeviceOn(image);
        assertNoLoopDeviceOn(dir.resolve("plain.img"));
        TestSetup.waitFor(() -> {
            try (java.util.stream.Stream<Path> left = Files.list(Path.of(TestSetup.DEVICE_STORE))) {
                return left.findAny().isEmpty();
            }
        }, "no replica left in the device store");
        String hostMounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertTrue(hostMounts, !hostMounts.contains(dir.toString()) && !hostMounts.contains(" - fuse "));
        run("rm", "-rf", dir.toString());
    }

    private static void assertNoLoopDeviceOn(Path file) throws Exception {
        TestSetup.waitFor(() -> Container.execute(List.of("losetup", "-j", file.toString())).out().isEmpty(),
                "no loop device left on " + file);
    }

    private Container container(String name, String... more) throws Exception {
        List<String> options = new ArrayList<>(List.of("--loop", "--cap-add", "SYS_ADMIN", "--syscalls", "mount,fsopen",
                "--annotation", "mount.enabled=true", "--annotation", "mount.allowed=ext4",
                "--bind", dir + ":/img", "--bind", "/usr:/mnt:ro"));
        options.addAll(List.of(more));
        return Container.start(id(name), options.toArray(new String[0]));
    }

    /** util-linux's program from the host's /usr, bound at /mnt */
    private static String utilLinux(String program) {
        return "/mnt/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path /mnt/lib/x86_64-linux-gnu /mnt/sbin/" + program;
    }

    @Test
    public void busyboxLosetupThenMount() throws Exception {
        try (Container c = container("loop-busybox")) {
            Container.Result r = c.exec("losetup -f /img/disk.ext4 && ls /dev | grep '^loop[0-9]'");
            assertEquals(r.toString(), 0, r.exit());
            String loop = "/dev/" + r.out().trim();
            assertTrue(r.toString(), loop.matches("/dev/loop\\d+"));
            assertEquals("the host sees it bound to the image", 1,
                    Container.execute(List.of("losetup", "-j", image.toString())).out().lines().count());
            r = c.exec("mkdir /tmp/m && mount -t ext4 " + loop + " /tmp/m && cat /tmp/m/hello.txt && "
                    + "umount /tmp/m && losetup -d " + loop + " && echo cleared");
            assertEquals(r.toString(), "from host\ncleared\n", r.out());
            assertNoLoopDeviceOn(image);
            assertEquals("given back: its node no longer opens", "errno=EPERM\n",
                    c.exec("/opt/t/looptest setfd " + loop + " /img/plain.img").out());
        }
    }

    /** A lent device in the mount handler's other modes: idmapped, and served by fuse2fs. */
    @Test
    public void aLentDeviceMountedShiftedAndThroughFuse() throws Exception {
        try (Container c = container("loop-shift", "--annotation", "mount.shift=true")) {
            Container.Result r = c.exec("losetup -f /img/disk.ext4 && mkdir /tmp/m && mount -t ext4 /dev/loop[0-9]* /tmp/m && "
                    + "stat -c '%u:%g' /tmp/m/hello.txt && echo shifted > /tmp/m/new.txt && umount /tmp/m && "
                    + "losetup -d /dev/loop[0-9]* && echo done");
            assertEquals(r.toString(), "0:0\ndone\n", r.out());
        }
        assertNoLoopDeviceOn(image);
        try (Container c = container("loop-fuse", "--annotation", "mount.fuse=ext4=/usr/bin/fuse2fs")) {
            Container.Result r = c.exec("losetup -f /img/disk.ext4 && mkdir /tmp/m && mount -t ext4 /dev/loop[0-9]* /tmp/m && "
                    + "cat /tmp/m/new.txt && grep -c ' /tmp/m .* - fuse' /proc/self/mountinfo && umount /tmp/m && echo done");
            assertEquals(r.toString(), "shifted\n1\ndone\n", r.out());
        }
    }

    /** LO_FLAGS_PARTSCAN, asked by LOOP_CONFIGURE or LOOP_SET_STATUS64, is not passed on. */
    @Test
    public void noPartitionScan() throws Exception {
        try (Container c = container("loop-partscan")) {
            String n = c.exec("losetup -P -f /img/plain.img && ls /dev | grep '^loop[0-9]'").out().trim();
            assertTrue(n, n.matches("loop\\d+"));
            assertEquals("0\n", Files.readString(Path.of("/sys/block/" + n + "/loop/partscan")));
            assertEquals("the request's upper bits set: still the handler's", "ok\n",
                    c.exec("/opt/t/looptest partscan /dev/" + n).out());
            assertEquals("0\n", Files.readString(Path.of("/sys/block/" + n + "/loop/partscan")));
            String shown = c.exec(utilLinux("losetup") + " -P -f --show /img/disk.ext4").out().trim();
            assertTrue(shown, shown.matches("/dev/loop\\d+"));
            assertEquals("0\n", Files.readString(Path.of("/sys/block/" + shown.substring(5) + "/loop/partscan")));
        }
    }

    /**
     * busybox's {@code mount -t ext4 IMG} (busybox sets up a loop device for a regular file itself)
     * and {@code mount -o loop IMG} without a type, in each of the mount handler's modes. Without a type busybox tries each type of /proc/filesystems in turn
     * (ext3 and ext2 before ext4 here) and gives up at the first EPERM; the handler answers the
     * driver's EINVAL for those, from the superblock read as the caller, and the ext4 one mounts.
     */
    @Test
    public void busyboxMountOptionLoop() throws Exception {
        String[][] modes = {{}, {"--annotation", "mount.shift=true"}, {"--annotation", "mount.fuse=ext4=/usr/bin/fuse2fs"}};
        String[] shown = {" - ext4 /dev/loop", " - ext4 /dev/loop", " - fuse"};
        for (int mode = 0; mode < modes.length; mode++) {
            try (Container c = container("loop-mount-o" + mode, modes[mode])) {
                Container.Result r = c.exec("mkdir /tmp/m && mount -t ext4 /img/disk.ext4 /tmp/m && cat /tmp/m/hello.txt && "
                        + "grep ' /tmp/m ' /proc/self/mountinfo");
                assertEquals(r.toString(), 0, r.exit());
                assertTrue(r.toString(), r.out().startsWith("from host\n"));
                assertTrue(r.toString(), r.out().contains(shown[mode]));
                r = c.exec("umount /tmp/m && mount -o loop /img/disk.ext4 /tmp/m && cat /tmp/m/hello.txt && "
                        + "grep ' /tmp/m ' /proc/self/mountinfo && umount /tmp/m");
                assertEquals(r.toString(), 0, r.exit());
                assertTrue(r.toString(), r.out().startsWith("from host\n"));
                assertTrue(r.toString(), r.out().contains(shown[mode]));
            }
        }
    }

    /**
     * mount -o loop asks for AUTOCLEAR; the supervisor's hold keeps the kernel from seeing the last
     * close, so the device is given back at the next LOOP_CTL_GET_FREE once unused: mounting and
     * unmounting more often than loop.max (4) works, and at most one device stays bound meanwhile.
     */
    @Test
    public void anAutoclearDeviceUnmountedIsGivenBack() throws Exception {
        try (Container c = container("loop-autoclear")) {
            Container.Result r = c.exec("mkdir /tmp/m; for i in 1 2 3 4 5 6; do "
                    + "mount -o loop /img/disk.ext4 /tmp/m && umount /tmp/m || echo failed $i; done; losetup -a | wc -l");
            assertEquals(r.toString(), "1\n", r.out());
            assertEquals("the host sees one too", 1,
                    Container.execute(List.of("losetup", "-j", image.toString())).out().lines().count());
            // Neither a mounted device nor one a process has open is given back (still bound, and
            // still allowed: losetup -a opens it).
            r = c.exec("mount -o loop /img/disk.ext4 /tmp/m && /opt/t/looptest getfree >/dev/null && losetup -a | grep -c disk && "
                    + "dev=$(grep ' /tmp/m ' /proc/self/mountinfo | cut -d' ' -f9) && exec 3<$dev && umount /tmp/m && "
                    + "/opt/t/looptest getfree >/dev/null && losetup -a | grep -c disk && exec 3<&- && "
                    + "/opt/t/looptest getfree >/dev/null && losetup -a | grep -c disk");
            assertEquals(r.toString(), "1\n1\n0\n", r.out());
        }
    }

    /**
     * A type the image is not is the driver's EINVAL, also on the image itself; a type with no
     * signature (fuseblk) stays the kernel's EPERM; and an image the caller cannot read is not read:
     * EPERM for every type, so the answer says nothing about what it holds.
     */
    @Test
    public void anotherTypeIsTheDriversEinvalOnlyWhereTheCallerCanReadTheSource() throws Exception {
        Path secret = dir.resolve("secret.ext4");
        Files.copy(image, secret);
        run("chown", "0:0", secret.toString());
        run("chmod", "600", secret.toString());
        try (Container c = container("loop-probe")) {
            String probe = "mkdir /tmp/m; for t in ext3 ext2 xfs fuseblk; do /opt/t/mounttest mount %s /tmp/m $t 0; done";
            assertEquals("errno=EINVAL\nerrno=EINVAL\nerrno=EINVAL\nerrno=EPERM\n",
                    c.exec(String.format(probe, "/img/disk.ext4")).out());
            assertEquals("errno=EPERM\nerrno=EPERM\nerrno=EPERM\nerrno=EPERM\n",
                    c.exec(String.format(probe, "/img/secret.ext4")).out());
        }
    }

    @Test
    public void utilLinuxMountOptionLoop() throws Exception {
        try (Container c = container("loop-mount-ul")) {
            Container.Result r = c.exec("mkdir /tmp/m && " + utilLinux("../bin/mount") + " -o loop /img/disk.ext4 /tmp/m && "
                    + "cat /tmp/m/hello.txt && grep -c ' /tmp/m .* - ext4 /dev/loop' /proc/self/mountinfo");
            assertEquals(r.toString(), "from host\n1\n", r.out());
        }
    }

    @Test
    public void utilLinuxLosetupShowThenMount() throws Exception {
        try (Container c = container("loop-utillinux")) {
            Container.Result r = c.exec(utilLinux("losetup") + " -f --show /img/disk.ext4");
            assertEquals(r.toString(), 0, r.exit());
            String loop = r.out().trim();
            assertTrue(r.toString(), loop.matches("/dev/loop\\d+"));
            r = c.exec("mkdir /tmp/m && mount -t ext4 -o ro " + loop + " /tmp/m && cat /tmp/m/hello.txt");
            assertEquals(r.toString(), "from host\n", r.out());
        }
        // killed with the device bound and mounted: given back, the mount gone with its namespace
    }

    @Test
    public void whatIsRefused() throws Exception {
        try (Container c = container("loop-refused", "--annotation", "loop.max=2");
                Container other = container("loop-other")) {
            // uid 1000 without capabilities, root of a user namespace of its own, on a file of the
            // placeholder's name it may open (before any device is lent: loop.max does not answer
            // for it): not the container's root, so the kernel's answer.
            Container.Result nested = c.exec("mkdir /tmp/n && touch /tmp/n/loop-control && chmod 666 /tmp/n/loop-control && "
                    + "/opt/t/asuser nested 1000 /opt/t/looptest getfree /tmp/n/loop-control");
            assertEquals("a nested user namespace's root: " + nested, "errno=ENOTTY\n", nested.out());
            String n = c.exec("/opt/t/looptest getfree").out().trim();
            assertTrue(n, n.matches("\\d+"));
            String loop = "/dev/loop" + n;
            assertEquals("an unbound device of its own is lent again", n + "\n", c.exec("/opt/t/looptest getfree").out());
            String theirs = other.exec("/opt/t/looptest getfree").out().trim();
            assertTrue("lent but unbound, it is claimed: the other container gets another one: " + theirs,
                    theirs.matches("\\d+") && !theirs.equals(n));
            assertEquals("a character device is no backing file", "errno=EINVAL\n",
                    c.exec("/opt/t/looptest setfd " + loop + " /dev/null").out());
            assertEquals("nor a directory", "errno=EINVAL\n", c.exec("/opt/t/looptest setfd " + loop + " /tmp").out());
            assertEquals("nor a block device", "errno=EINVAL\n",
                    c.exec("/opt/t/looptest configure " + loop + " " + loop).out());
            assertEquals("ok\n", c.exec("/opt/t/looptest configure " + loop + " /img/plain.img").out());
            assertEquals("LOOP_CHANGE_FD", "errno=EINVAL\n", c.exec("/opt/t/looptest changefd " + loop + " /img/plain.img").out());
            String second = c.exec("/opt/t/looptest getfree").out().trim();
            assertNotEquals(n, second);
            assertEquals("ok\n", c.exec("/opt/t/looptest setfd /dev/loop" + second + " /img/plain.img").out());
            assertEquals("more than loop.max", "errno=ENOSPC\n", c.exec("/opt/t/looptest getfree").out());
            assertEquals("not the placeholder: the kernel's answer", "errno=ENOTTY\n",
                    c.exec("/opt/t/looptest getfree /img/plain.img").out());

            assertTrue(theirs, !theirs.equals(second));
            assertEquals("another container's device: no node", "errno=ENOENT\n",
                    other.exec("/opt/t/looptest setfd " + loop + " /img/plain.img").out());
            assertEquals("nor can it make one", "refused\n",
                    other.exec("mknod /tmp/b b 7 " + n + " 2>/dev/null && echo made || echo refused").out());
        }
        try (Container c = container("loop-bound-in", "--bind", "/dev/loop-control:/dev/host-control")) {
            assertEquals("the host's loop-control, bound in: root:disk 0660 on the host", "errno=EACCES\n",
                    c.exec("/opt/t/looptest getfree /dev/host-control").out());
        }
    }

    @Test
    public void aContainerKilledWithItsDevicesBoundAndMountedLeavesNothing() throws Exception {
        try (Container c = container("loop-killed")) {
            Container.Result r = c.exec("mkdir /tmp/m && mount -o loop -t ext4 /img/disk.ext4 /tmp/m && "
                    + "losetup -f /img/plain.img && /opt/t/looptest getfree");
            assertEquals(r.toString(), 0, r.exit());
        }
        assertNoLoopDeviceOn(image);
        assertNoLoopDeviceOn(dir.resolve("plain.img"));
    }

    @Test
    public void aContainerThatEndsGivesItsDevicesBack() throws Exception {
        Container.Result r = Container.run(id("loop-ends"), "losetup -f /img/plain.img && ls /dev | grep -c '^loop[0-9]'",
                "--loop", "--bind", dir + ":/img");
        assertEquals(r.toString(), "1\n", r.out());
    }
}
