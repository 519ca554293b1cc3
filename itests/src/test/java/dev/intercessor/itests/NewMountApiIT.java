package dev.intercessor.itests;

import static dev.intercessor.itests.TestImages.run;
import static org.junit.Assert.assertEquals;

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
 * The new mount API with the mount handler on (issue 14, item 3): what the kernel allows in a user
 * namespace works as without Intercessor, and fsopen of a type the handler emulates answers ENOSYS,
 * on which libmount's sequence falls back to mount(2), which is emulated.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NewMountApiIT extends HandlerIT {

    private static final String MOUNT = "dev.intercessor.handler.mount";
    private static final String SYSCALLS = "mount,fsopen,fsconfig,fsmount,fspick,open_tree,move_mount";
    private static final String NEW_API = "mkdir /tmp/a /tmp/b && /opt/t/mounttest newapi /tmp/a /tmp/b";
    private static final String KERNEL_ANSWERS = String.join("\n", "fsopen ok", "fsconfig-set ok", "fsconfig-create ok",
            "fsmount ok", "move_mount ok", "write ok", "open_tree ok", "move_mount-clone ok", "read-clone ok", "hello",
            "fspick ok", "fsconfig-reconfigure ok", "");
    private Path dir;

    @Before
    public void setUp() throws Exception {
        startHandler(MOUNT, "mount");
        dir = TestImages.workDirectory("newapi");
        Path img = dir.resolve("img");
        TestImages.ext4(dir, img.resolve("disk.ext4"));
        run("chown", "-R", "100000:100000", img.toString());
    }

    @After
    public void tearDown() throws Exception {
        assertEquals("", Container.execute(List.of("losetup", "-j", dir.resolve("img/disk.ext4").toString())).out());
        run("rm", "-rf", dir.toString());
    }

    private Container container(String name, String... extra) throws Exception {
        List<String> options = new java.util.ArrayList<>(List.of("--cap-add", "SYS_ADMIN", "--bind", dir.resolve("img") + ":/img"));
        options.addAll(List.of(extra));
        return Container.start(id(name), options.toArray(new String[0]));
    }

    @Test
    public void aTmpfsThroughTheNewApiWorksAsWithoutIntercessor() throws Exception {
        try (Container c = container("newapi-none", "--no-intercept")) {
            assertEquals("without Intercessor", KERNEL_ANSWERS, c.exec(NEW_API).out());
        }
        try (Container c = container("newapi-on", "--syscalls", SYSCALLS, "--annotation", "mount.enabled=true",
                "--annotation", "mount.allowed=ext4", "--annotation", "mount.shift=true")) {
            assertEquals("with the mount handler on", KERNEL_ANSWERS, c.exec(NEW_API).out());
            // A type in no list: fsopen is the kernel's, and so is the EPERM at create.
            assertEquals("fsopen ok\nfsconfig-source ok\nfsconfig-create errno=EPERM\n",
                    c.exec("mkdir -p /tmp/m; /opt/t/mounttest libmount /img/disk.ext4 /tmp/m xfs").out());
            // An emulated type: ENOSYS, and libmount's fallback to mount(2) is served.
            Container.Result r = c.exec("/opt/t/mounttest libmount /img/disk.ext4 /tmp/m ext4 && cat /tmp/m/hello.txt && "
                    + "stat -c %u /tmp/m/hello.txt && /opt/t/mounttest umount /tmp/m");
            assertEquals(r.toString(), "fallback\nok\nfrom host\n0\nok\n", r.out());
        }
    }
}
