package dev.intercessor.directories;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Directories the supervisor makes for its sockets and mounts (the core's agent, LXC and keeper
 * sockets and its device store, the shell's socket; several share {@code /run/intercessor}):
 * every missing one is made 0700 and the supervisor's (root's), so no one else may reach what is
 * below, and removed again, if empty, when no longer needed.
 */
public final class PrivateDirectories {

    static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private static final int S_ISVTX = 01000;

    private PrivateDirectories() {
    }

    /**
     * Makes {@code dir} and every missing directory above it, each 0700 whatever the umask.
     *
     * @return the directories made, outermost first (to pass to {@link #removeIfEmpty}); empty if
     *         {@code dir} is null or exists
     * @throws IOException if one cannot be made, or something that is not a directory is in the way
     */
    public static List<Path> create(Path dir) throws IOException {
        if (dir == null) {
            return List.of();
        }
        List<Path> missing = new ArrayList<>();
        for (Path d = dir.toAbsolutePath(); d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.add(0, d);
        }
        List<Path> made = new ArrayList<>();
        try {
            for (Path d : missing) {
                try {
                    Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PRIVATE));
                } catch (FileAlreadyExistsException e) {
                    if (Files.isDirectory(d)) {
                        continue; // the core or the shell made it at the same moment: not ours to remove
                    }
                    throw e;
                }
                made.add(d);
                Files.setPosixFilePermissions(d, PRIVATE); // whatever the umask took away or left
            }
        } catch (IOException | RuntimeException e) {
            removeIfEmpty(made);
            throw e;
        }
        return List.copyOf(made);
    }

    /** Removes the directories {@link #create} made, innermost first, as far as they are empty. */
    public static void removeIfEmpty(List<Path> made) {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(made.get(i));
            } catch (IOException e) {
                return; // not empty: something else lives there now
            }
        }
    }

    /**
     * Whether someone other than the supervisor (root, or the user it runs as) could replace what
     * is in {@code dir}: a directory on its way, as written or with its links followed, that
     * another user owns, or that its group or others may write to. A sticky directory
     * ({@code /tmp}) is safe to pass through: there only an entry's owner, the directory's owner
     * or CAP_FOWNER may rename or remove the entry (fs/namei.c, {@code may_delete} and
     * {@code check_sticky}).
     *
     * @param what what lives in {@code dir}, for the message ("the socket")
     * @return a warning naming the directory and the cause, or null if only the supervisor can
     */
    public static String exposure(Path dir, String what) throws IOException {
        if (dir == null) {
            return null;
        }
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"); // our effective uid
        Path given = dir.toAbsolutePath().normalize();
        String problem = exposure(given, self, what);
        if (problem == null) {
            Path real = given.toRealPath();
            if (!real.equals(given)) {
                problem = exposure(real, self, what);
            }
        }
        return problem;
    }

    /** Checks {@code dir} and every directory above it, each as it is (links not followed). */
    private static String exposure(Path dir, int self, String what) throws IOException {
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isSymbolicLink(d)) {
                continue; // who may change a link is who may write to the directory it is in: the next one
            }
            int uid = (Integer) Files.getAttribute(d, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(d, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (uid != 0 && uid != self) {
                return d + " belongs to uid " + uid + ": that user could replace " + what;
            }
            if ((mode & 022) != 0 && (mode & S_ISVTX) == 0) {
                return d + " is writable by others: anyone there could replace " + what;
            }
        }
        return null;
    }
}
