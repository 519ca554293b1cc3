package dev.intercessor.shell.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
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
 * The directory of the shell's socket, as the core treats the one of its agent socket (they share
 * {@code /run/intercessor}): every missing directory is made root's and 0700, so no one else can
 * reach what is below, and removed again, if empty, when the shell stops.
 */
final class SocketDirectory {

    private static final Logger LOG = System.getLogger("dev.intercessor.shell");
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private SocketDirectory() {
    }

    /** @return the directories made, outermost first (for {@link #removeIfEmpty}) */
    static List<Path> prepare(Path dir) throws IOException {
        if (dir == null) {
            return List.of();
        }
        List<Path> missing = new ArrayList<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.add(0, d);
        }
        for (Path d : missing) {
            try {
                Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PRIVATE));
            } catch (FileAlreadyExistsException e) {
                continue; // the core made it at the same moment
            }
            Files.setPosixFilePermissions(d, PRIVATE); // whatever the umask took away or left
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
        if (perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)) {
            LOG.log(Level.WARNING, dir + " is writable by others: anyone there could replace the shell socket");
        }
        return missing;
    }

    /** Removes the directories {@link #prepare} made, innermost first, as far as they are empty. */
    static void removeIfEmpty(List<Path> made) {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(made.get(i));
            } catch (IOException e) {
                return; // not empty: the agent socket lives there too
            }
        }
    }

    /**
     * Deletes a socket left behind at {@code path} by a supervisor that did not stop cleanly.
     *
     * @throws IOException if something else is there, or a live process listens on it
     */
    static void removeStaleSocket(Path path, String pid) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if (!(mode instanceof Integer m && (m & 0170000) == 0140000)) {
            throw new IOException(path + " exists and is not a socket: not replacing it");
        }
        if (someoneListens(path)) {
            throw new IOException("another process already listens on " + path + ": configure another socketPath ("
                    + pid + ")");
        }
        Files.delete(path);
    }

    private static boolean someoneListens(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false; // ECONNREFUSED: a stale socket
        }
    }
}
