package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

import dev.intercessor.api.Errno;

/** {@link MountTrees} on the real kernel (root): a file's clone moved onto another file. */
public class MountTreesTest {

    private static final int MNT_DETACH = 2;

    @Test
    public void aClonedFileMovedOntoAnotherShowsTheFirstsContent() throws Exception {
        Path dir = Files.createTempDirectory("mount-trees");
        Path source = Files.writeString(dir.resolve("source"), "lxcfs says");
        Path target = Files.writeString(dir.resolve("target"), "the host says");
        int tree = -1;
        int onto = -1;
        try {
            tree = MountTrees.cloneTree(Linux.AT_FDCWD, Linux.cPath(source.toString()), Linux.AT_SYMLINK_NOFOLLOW);
            onto = Linux.openat(Linux.AT_FDCWD, target.toString(), Linux.O_PATH | Linux.O_NOFOLLOW);
            MountTrees.move(tree, onto);
            try {
                assertEquals("lxcfs says", Files.readString(target));
            } finally {
                Linux.libc().umount2(target.toString(), MNT_DETACH);
            }
            assertEquals("the host says", Files.readString(target));
        } finally {
            Linux.close(tree);
            Linux.close(onto);
            Files.delete(source);
            Files.delete(target);
            Files.delete(dir);
        }
    }

    @Test
    public void aMissingFileIsEnoent() {
        LinuxException e = assertThrows(LinuxException.class,
                () -> MountTrees.cloneTree(Linux.AT_FDCWD, Linux.cPath("/nonexistent/x"), 0));
        assertEquals(Errno.ENOENT, e.errno());
    }
}
