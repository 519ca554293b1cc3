package dev.intercessor.directories;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class PrivateDirectoriesTest {

    @Rule
    public TemporaryFolder temp = new TemporaryFolder();

    @Test
    public void everyMissingDirectoryIsMadePrivateOutermostFirst() throws IOException {
        Path top = temp.getRoot().toPath();
        Path dir = top.resolve("a/b/c");
        List<Path> made = PrivateDirectories.create(dir);
        assertEquals(List.of(top.resolve("a"), top.resolve("a/b"), dir), made);
        for (Path d : made) {
            assertEquals(d.toString(), "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        }
    }

    @Test
    public void anExistingDirectoryIsNeitherMadeNorChanged() throws IOException {
        Path dir = temp.newFolder("open").toPath();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(List.of(), PrivateDirectories.create(dir));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals(List.of(), PrivateDirectories.create(null));
    }

    @Test
    public void aRelativeDirectoryIsMadeWhereItResolves() throws IOException {
        Path dir = Path.of("target", "private-directories-test-" + ProcessHandle.current().pid());
        List<Path> made = PrivateDirectories.create(dir);
        try {
            assertEquals(List.of(dir.toAbsolutePath()), made);
            assertTrue(Files.isDirectory(dir));
        } finally {
            PrivateDirectories.removeIfEmpty(made);
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    public void somethingElseInTheWayIsRefusedAndNothingIsLeftBehind() throws IOException {
        Path top = temp.getRoot().toPath();
        Files.createSymbolicLink(top.resolve("link"), top.resolve("nowhere"));
        Files.writeString(top.resolve("file"), "x");
        for (String blocked : new String[] {"link/x", "file/x", "file"}) {
            try {
                PrivateDirectories.create(top.resolve(blocked));
                fail("made " + blocked);
            } catch (IOException expected) {
                // refused
            }
        }
        assertFalse(Files.exists(top.resolve("nowhere")));
    }

    @Test
    public void removeIfEmptyGoesInnermostFirstAndStopsAtOneInUse() throws IOException {
        Path top = temp.getRoot().toPath();
        List<Path> made = PrivateDirectories.create(top.resolve("a/b/c"));
        Files.writeString(top.resolve("a/kept"), "x");
        PrivateDirectories.removeIfEmpty(made);
        assertFalse(Files.exists(top.resolve("a/b")));
        assertTrue(Files.exists(top.resolve("a/kept")));
    }

    // ---- exposure --------------------------------------------------------------------------

    @Test
    public void aPrivateDirectoryIsNotExposed() throws IOException {
        Path dir = privateDirectory("private");
        assertNull(PrivateDirectories.exposure(dir, "the socket"));
        assertNull(PrivateDirectories.exposure(null, "the socket"));
    }

    @Test
    public void aDirectoryOthersMayWriteToIsExposed() throws IOException {
        Path dir = privateDirectory("shared");
        for (String mode : new String[] {"rwxrwxrwx", "rwxrwx---", "rwx----w-"}) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
            assertEquals(mode, dir + " is writable by others: anyone there could replace the socket",
                    PrivateDirectories.exposure(dir, "the socket"));
        }
    }

    @Test
    public void aStickyDirectoryOthersMayWriteToIsNot() throws IOException {
        Path dir = privateDirectory("sticky");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(dir, "unix:mode", 01777);
        assertNull(PrivateDirectories.exposure(dir, "the socket"));
    }

    @Test
    public void aDirectoryAboveOthersMayWriteToExposesWhatIsBelow() throws IOException {
        Path open = privateDirectory("open");
        Path dir = Files.createDirectories(open.resolve("a/b"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(open + " is writable by others: anyone there could replace the socket",
                PrivateDirectories.exposure(dir, "the socket"));
    }

    @Test
    public void aDirectoryOfAnotherUserIsExposed() throws IOException {
        assumeTrue("needs root to give a directory away", isRoot());
        Path dir = privateDirectory("theirs");
        Files.setAttribute(dir, "unix:uid", 4321);
        assertEquals(dir + " belongs to uid 4321: that user could replace the shell socket",
                PrivateDirectories.exposure(dir, "the shell socket"));
    }

    @Test
    public void aLinkInADirectoryOthersMayWriteToIsExposed() throws IOException {
        Path target = privateDirectory("target");
        Path open = privateDirectory("open");
        Path link = Files.createSymbolicLink(open.resolve("link"), target);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(open + " is writable by others: anyone there could replace the socket",
                PrivateDirectories.exposure(link, "the socket"));
    }

    @Test
    public void aLinkToADirectoryOthersMayWriteToIsExposed() throws IOException {
        Path target = privateDirectory("target");
        Path link = Files.createSymbolicLink(privateDirectory("private").resolve("link"), target);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(target + " is writable by others: anyone there could replace the socket",
                PrivateDirectories.exposure(link, "the socket"));
    }

    /** A directory only we may write to, in the test's own (sticky {@code /tmp} or private) folder. */
    private Path privateDirectory(String name) throws IOException {
        Path dir = temp.newFolder(name).toPath();
        Files.setPosixFilePermissions(dir, PrivateDirectories.PRIVATE);
        Path root = temp.getRoot().toPath();
        Files.setPosixFilePermissions(root, PrivateDirectories.PRIVATE);
        return dir.toRealPath();
    }

    private static boolean isRoot() throws IOException {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }
}
