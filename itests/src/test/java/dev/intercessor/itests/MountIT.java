package dev.intercessor.itests;

import static dev.intercessor.itests.TestImages.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * mount(2) of an ext4 image in real unprivileged runc containers (CAP_SYS_ADMIN in their user
 * namespace): a kernel mount from a loop device, idmapped with {@code mount.shift}, and what is
 * refused. The image lives on the host and is bind-mounted into the container at /img.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MountIT extends HandlerIT {

    private static final String MOUNT = "dev.intercessor.handler.mount";
    private static final String SYSCALLS = "mount,fsopen,fsconfig,fsmount,fspick,open_tree,move_mount";
    private static final String FUSE_SERVER = "/usr/bin/fuse2fs";
    private static final String FUSE = "mount.fuse=ext4=" + FUSE_SERVER;
    private Path dir;
    private Path image;

    @Before
    public void setUp() throws Exception {
        startHandler(MOUNT, "mount");
        dir = TestImages.workDirectory("mount");
        Path img = dir.resolve("img");
        image = img.resolve("disk.ext4");
        TestImages.ext4(dir, image);
        run("chown", "-R", "100000:100000", img.toString()); // the container's root may write it
    }

    @After
    public void tearDown() throws Exception {
        assertEquals("no loop device left on the image", "", Container.execute(List.of("losetup", "-j",
                image.toString())).out());
        run("rm", "-rf", dir.toString());
    }

    private Container container(String name, String... policy) throws Exception {
        return container(name, List.of(), policy);
    }

    private Container container(String name, List<String> runOptions, String... policy) throws Exception {
        List<String> options = new java.util.ArrayList<>(List.of("--cap-add", "SYS_ADMIN", "--syscalls", SYSCALLS,
                "--annotation", "mount.enabled=true", "--bind", dir.resolve("img") + ":/img"));
        options.addAll(runOptions);
        for (String p : policy) {
            options.addAll(List.of("--annotation", p));
        }
        return Container.start(id(name), options.toArray(new String[0]));
    }

    @Test
    public void aKernelMountShowsTheImagesIdsAsNobody() throws Exception {
        try (Container c = container("kernel", "mount.allowed=ext4")) {
            Container.Result r = c.exec("mkdir /tmp/m && /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 0 && "
                    + "cat /tmp/m/hello.txt && stat -c '%u:%g' /tmp/m/hello.txt && grep ' /tmp/m ' /proc/self/mountinfo && "
                    + "(echo x > /tmp/m/new.txt) 2>/dev/null; /opt/t/mounttest umount /tmp/m");
            List<String> lines = r.out().lines().toList();
            assertEquals(r.toString(), "ok", lines.get(0));
            assertEquals("from host", lines.get(1));
            assertEquals("root on the image is nobody in the container", "65534:65534", lines.get(2));
            assertTrue(lines.get(3), lines.get(3).matches(".* /tmp/m rw,nosuid,nodev,relatime - ext4 /dev/loop\\d+ rw.*"));
            assertEquals("unmounted by the container", "ok", lines.get(4));
        }
        assertFalse("nothing written: the container's root does not own the image's root",
                debugfs("ls /").contains("new.txt"));
    }

    /** An ext4 error on errors=panic would panic the host: the image's own default and the option. */
    @Test
    public void anImageCannotAskTheHostToPanic() throws Exception {
        run("tune2fs", "-e", "panic", image.toString());
        assertTrue(Container.execute(List.of("dumpe2fs", "-h", image.toString())).out()
                .matches("(?s).*Errors behavior:\\s+Panic.*"));
        try (Container c = container("panic", "mount.allowed=ext4")) {
            Container.Result r = c.exec("mkdir /tmp/m && /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 0 "
                    + "errors=panic; /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 0 && "
                    + "grep ' /tmp/m ' /proc/self/mountinfo; /opt/t/mounttest umount /tmp/m");
            List<String> lines = r.out().lines().toList();
            assertEquals(r.toString(), "errno=EINVAL", lines.get(0));
            assertEquals(r.toString(), "ok", lines.get(1));
            assertTrue("the superblock's panic overridden: " + lines.get(2),
                    lines.get(2).matches(".* - ext4 /dev/loop\\d+ rw,.*errors=remount-ro.*"));
        }
    }

    @Test
    public void aShiftedMountShowsTheImagesRootAsTheContainersRoot() throws Exception {
        try (Container c = container("shift", "mount.allowed=ext4", "mount.shift=true")) {
            Container.Result r = c.exec("mkdir /tmp/m && /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 0 && "
                    + "stat -c '%u:%g' /tmp/m/hello.txt && echo 'from the container' > /tmp/m/new.txt && "
                    + "grep -c ' /tmp/m .*idmapped' /proc/self/mountinfo; /opt/t/mounttest umount /tmp/m");
            assertEquals(r.toString(), "ok\n0:0\n1\nok\n", r.out());
        }
        assertEquals("from the container\n", debugfs("cat /new.txt"));
        assertTrue(debugfs("stat /new.txt"), debugfs("stat /new.txt").contains("User:     0   Group:     0"));
    }

    private String debugfs(String request) throws Exception {
        Container.Result r = Container.execute(List.of("debugfs", "-R", request, image.toString()));
        return r.out();
    }

    @Test
    public void whatIsNotAllowedGetsTheKernelsOrAClearError() throws Exception {
        try (Container c = container("refused", "mount.allowed=ext4")) {
            String mount = "/opt/t/mounttest mount ";
            assertEquals("a type in no list: the kernel's EPERM", "errno=EPERM\n",
                    c.exec("mkdir -p /tmp/m; " + mount + "/img/disk.ext4 /tmp/m fuseblk 0").out());
            assertEquals("one the image is not: its driver's EINVAL", "errno=EINVAL\n",
                    c.exec(mount + "/img/disk.ext4 /tmp/m xfs 0").out());
            assertEquals("fsopen of an emulated type: ENOSYS, so libmount falls back to mount(2)", "errno=ENOSYS\n",
                    c.exec("/opt/t/mounttest fsopen ext4").out());
            // .. and symlinks resolve inside the container's root: the host's image path is not there.
            assertEquals("errno=ENOENT\n", c.exec("cd /img && " + mount + "../../../.." + image + " /tmp/m ext4 0").out());
            assertEquals("errno=ENOENT\n", c.exec("ln -s /../../.. /tmp/up && " + mount + "/tmp/up" + image
                    + " /tmp/m ext4 0").out());
            assertEquals("errno=ENOENT\n", c.exec(mount + "/img/disk.ext4 /tmp/up" + dir + " ext4 0").out());
            assertEquals("errno=EINVAL\n", c.exec(mount + "/img/disk.ext4 /tmp/m ext4 0 journal_path=/dev/vda").out());
            assertEquals("errno=EINVAL\n", c.exec(mount + "/img/disk.ext4 /tmp/m ext4 0 $(head -c 5000 /dev/zero | tr '\\0' a)").out());
            assertEquals("errno=EINVAL\n", c.exec(mount + "/img/disk.ext4 /tmp/m ext4 sync").out());
            // Not a new superblock: the kernel judges it (a bind mount in its own mount namespace is fine).
            assertEquals("ok\n", c.exec(mount + "/img /tmp/m none bind && ls /tmp/m && umount /tmp/m")
                    .out().lines().findFirst().get() + "\n");
        }
        try (Container c = Container.start(id("nocap"), "--syscalls", SYSCALLS, "--annotation", "mount.enabled=true",
                "--annotation", "mount.allowed=ext4", "--bind", dir.resolve("img") + ":/img")) {
            assertEquals("without CAP_SYS_ADMIN: the kernel's EPERM", "errno=EPERM\n",
                    c.exec("mkdir -p /tmp/m; /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 0").out());
        }
        String hostMounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(hostMounts, hostMounts.contains(image.toString()) || hostMounts.contains("/dev/loop"));
    }

    @Test
    public void mountToFuseServesTheImageFromTheContainersOwnNamespaces() throws Exception {
        try (Container c = container("fuse", FUSE)) {
            Container.Result r = c.exec("mkdir /tmp/m && /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 0 && "
                    + "cat /tmp/m/hello.txt && stat -c '%u:%g' /tmp/m/hello.txt && "
                    + "grep -c ' /tmp/m .*nosuid,nodev.* - fuse ' /proc/self/mountinfo && "
                    + "echo 'from the container' > /tmp/m/new.txt && echo written");
            assertEquals(r.toString(), "ok\nfrom host\n0:0\n1\nwritten\n", r.out());

            // The server, seen from the host: the container's user namespace, its root's uid, no
            // new privileges, and a root of its own with nothing of the host but /usr.
            int server = fuseServer();
            assertEquals(Files.readSymbolicLink(Path.of("/proc", Integer.toString(c.hostPid()), "ns/user")),
                    Files.readSymbolicLink(Path.of("/proc", Integer.toString(server), "ns/user")));
            assertEquals(Files.readSymbolicLink(Path.of("/proc", Integer.toString(c.hostPid()), "ns/pid")),
                    Files.readSymbolicLink(Path.of("/proc", Integer.toString(server), "ns/pid")));
            String status = Files.readString(Path.of("/proc", Integer.toString(server), "status"));
            assertTrue(status, status.contains("\nUid:\t100000\t100000\t100000\t100000\n"));
            assertTrue(status, status.contains("\nNoNewPrivs:\t1\n"));
            try (java.util.stream.Stream<Path> root = Files.list(Path.of("/proc", Integer.toString(server), "root"))) {
                assertEquals(List.of("bin", "dev", "empty", "image", "lib", "lib64", "libexec", "sbin", "usr"),
                        root.map(p -> p.getFileName().toString()).sorted().toList());
            }
            // libfuse2 runs /bin/fusermount (bin is usr/bin there), libfuse3 fusermount3, before
            // PATH: where the host has them (fuse, fuse3), the server finds the fake under those
            // names, and the host's stay as they were.
            Path serverRoot = Path.of("/proc", Integer.toString(server), "root");
            Path fake = serverRoot.resolve("libexec/fusermount");
            for (String name : List.of("fusermount", "fusermount3")) {
                Path host = Path.of("/usr/bin", name);
                if (Files.exists(host, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    assertTrue("/bin/" + name + " is the fake", Files.isSameFile(serverRoot.resolve("bin/" + name), fake));
                    assertFalse("the host's " + host + " is not", Files.isSameFile(host, fake));
                }
            }

            assertEquals("ok\n", c.exec("/opt/t/mounttest umount /tmp/m").out());
            TestSetup.waitFor(() -> !Files.exists(Path.of("/proc", Integer.toString(server))), "the server to end on umount");
        }
        assertEquals("from the container\n", debugfs("cat /new.txt"));
        assertTrue(Container.execute(List.of("e2fsck", "-fn", image.toString())).exit() == 0);

        // The container's end ends the server too.
        int server;
        try (Container c = container("fuse-end", FUSE)) {
            assertEquals("ok\n", c.exec("mkdir /tmp/m && /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 ro,noexec").out());
            assertEquals("read-only and noexec, as asked", "1\n",
                    c.exec("grep -c ' /tmp/m ro,nosuid,nodev,noexec.* - fuse ' /proc/self/mountinfo").out());
            server = fuseServer();
        }
        final int gone = server;
        TestSetup.waitFor(() -> !Files.exists(Path.of("/proc", Integer.toString(gone))), "the server to end with the container");
    }

    /**
     * The container's root, with CAP_SYS_PTRACE in its user namespace, against the server of its
     * own FUSE mount: it cannot ptrace it, read its memory, environment, root or fds, or see the
     * host's sockets through its /proc/<pid>/net. From the host: the server is in every namespace
     * of the container but the mount namespace (a private copy), in its cgroups, under a seccomp
     * filter with no new privileges, and with no capability outside the container's bounding set.
     */
    @Test
    public void theFuseServerLendsTheContainerNothing() throws Exception {
        try (java.net.ServerSocket hostService = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
                Container c = container("fuse-attack", List.of("--cap-add", "SYS_PTRACE"), FUSE)) {
            assertEquals("ok\n", c.exec("mkdir /tmp/m && /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 0").out());
            Container.Result r = c.exec("/opt/t/fuseattack " + FUSE_SERVER + " " + hostService.getLocalPort());
            assertEquals(r.toString(), String.join("\n", "server found", "ptrace-attach errno=EPERM",
                    "ptrace-seize errno=EPERM", "process_vm_readv errno=EPERM", "mem errno=EACCES",
                    "environ errno=EACCES", "root errno=EACCES", "fd errno=EACCES", "net/tcp hidden", ""), r.out());

            Path server = Path.of("/proc", Integer.toString(fuseServer()));
            Path init = Path.of("/proc", Integer.toString(c.hostPid()));
            for (String ns : List.of("user", "pid", "net", "ipc", "uts", "cgroup", "time", "time_for_children")) {
                assertEquals(ns, Files.readSymbolicLink(init.resolve("ns/" + ns)),
                        Files.readSymbolicLink(server.resolve("ns/" + ns)));
            }
            assertFalse("a private mount namespace", Files.readSymbolicLink(init.resolve("ns/mnt"))
                    .equals(Files.readSymbolicLink(server.resolve("ns/mnt"))));
            assertEquals(Files.readString(init.resolve("cgroup")), Files.readString(server.resolve("cgroup")));
            String status = Files.readString(server.resolve("status"));
            assertTrue(status, status.contains("\nSeccomp:\t2\n"));
            assertTrue(status, status.contains("\nNoNewPrivs:\t1\n"));
            long serverBound = capabilities(status, "CapBnd");
            long containerBound = capabilities(Files.readString(init.resolve("status")), "CapBnd");
            assertEquals("server CapBnd " + Long.toHexString(serverBound) + " within the container's "
                    + Long.toHexString(containerBound), 0, serverBound & ~containerBound);
            assertEquals("ok\n", c.exec("/opt/t/mounttest umount /tmp/m").out());
        }
    }

    /**
     * A server that never answers (fusehang, installed under /usr/local for this test) or exits
     * at once (GNU {@code yes} refuses fuse2fs's {@code -f}): the call fails with ENODEV, for the
     * hung one after the helper's 5 s for the server to answer, the server is killed, and no mount
     * is left on the target.
     */
    @Test
    public void aFuseServerThatDoesNotAnswerIsKilledAndItsMountRemoved() throws Exception {
        Path hang = Path.of("/usr/local/lib/intercessor-itest/fusehang");
        Files.createDirectories(hang.getParent());
        Files.copy(Container.PROGRAMS.resolve("fusehang"), hang, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        hang.toFile().setExecutable(true, false);
        try (Container c = container("fuse-hung", "mount.fuse=ext4=" + hang + ",vfat=/usr/bin/yes")) {
            long start = System.nanoTime();
            Container.Result r = c.exec("mkdir /tmp/m && /opt/t/mounttest mount /img/disk.ext4 /tmp/m ext4 0");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(r.toString(), "errno=ENODEV\n", r.out());
            assertTrue("answered in " + millis + " ms", millis >= 4_500 && millis < 9_000);
            start = System.nanoTime();
            assertEquals("errno=ENODEV\n", c.exec("/opt/t/mounttest mount /img/disk.ext4 /tmp/m vfat 0").out());
            millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue("answered in " + millis + " ms", millis < 3_000);
            assertEquals("no mount left, no server left", "0\n0\n", c.exec("grep -c ' /tmp/m ' /proc/self/mountinfo; "
                    + "grep -l -e '[f]usehang' -e '/usr/bin/[y]es' /proc/[0-9]*/cmdline 2>/dev/null | wc -l").out());
        } finally {
            Files.deleteIfExists(hang);
            Files.deleteIfExists(hang.getParent());
        }
    }

    private static long capabilities(String status, String field) {
        return status.lines().filter(l -> l.startsWith(field + ":")).map(l -> Long.parseUnsignedLong(l.substring(
                field.length() + 1).trim(), 16)).findFirst().orElseThrow();
    }

    /** @return the host pid of the one fuse2fs serving a test container */
    private static int fuseServer() throws Exception {
        List<Integer> found = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(q -> q.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readString(p.resolve("cmdline")).startsWith(FUSE_SERVER + "\0/image\0")) {
                        found.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (java.io.IOException gone) {
                    // exited meanwhile
                }
            }
        }
        assertEquals("one fuse2fs: " + found, 1, found.size());
        return found.get(0);
    }
}
