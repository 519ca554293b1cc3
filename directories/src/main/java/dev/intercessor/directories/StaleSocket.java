package dev.intercessor.directories;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * A socket left behind by a run that did not stop cleanly is replaced when its path is bound
 * again; a live one (another process listens) or anything that is not a socket never is.
 */
public final class StaleSocket {

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private StaleSocket() {
    }

    /**
     * Deletes a stale socket at {@code path}, if there is one, so that it can be bound.
     *
     * @param listens tells whether a live process listens on the socket at a path
     * @param inUse   the message if one does
     * @throws IOException if something other than a socket is there (a link is not followed), or
     *                     {@code listens} says a live process listens on it
     */
    public static void remove(Path path, Predicate<Path> listens, String inUse) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new IOException(path + " exists and is not a socket: not replacing it");
        }
        if (listens.test(path)) {
            throw new IOException(inUse);
        }
        Files.delete(path);
    }

    /** Whether a process accepts stream connections on {@code path}. */
    public static boolean streamListens(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false; // ECONNREFUSED: a stale socket
        }
    }

    /** Whether {@code path} itself (not what a link points to) is a socket. */
    public static boolean isSocket(Path path) throws IOException {
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return mode instanceof Integer m && (m & S_IFMT) == S_IFSOCK;
    }
}
