package dev.intercessor.core.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.UnixSocketServer;
import dev.intercessor.directories.PrivateDirectories;
import dev.intercessor.directories.StaleSocket;

/**
 * A runtime-facing socket of the supervisor: its directory made root's and 0700 if missing, the
 * socket 0600; a stale socket from a run that did not stop cleanly replaced, a live one (another
 * supervisor) or anything that is not a socket never. Closing removes the socket and the
 * directories made for it.
 */
final class ListenerSocket implements AutoCloseable {

    private static final Logger LOG = System.getLogger("dev.intercessor.core");

    private final Path path;
    private final UnixSocketServer server;
    private final List<Path> madeDirectories;
    private final Object boundInode;

    private ListenerSocket(Path path, UnixSocketServer server, List<Path> madeDirectories) throws IOException {
        this.path = path;
        this.server = server;
        this.madeDirectories = madeDirectories;
        this.boundInode = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * @param type        {@link Linux#SOCK_STREAM} or {@link Linux#SOCK_SEQPACKET}
     * @param configuring what to change if another supervisor listens there (for the message)
     */
    static ListenerSocket open(Path path, int type, String configuring) throws IOException, LinuxException {
        List<Path> made = PrivateDirectories.create(path.getParent());
        try {
            String exposure = PrivateDirectories.exposure(path.getParent(), "the socket");
            if (exposure != null) {
                LOG.log(Level.WARNING, exposure);
            }
            StaleSocket.remove(path, p -> someoneListens(p, type), "another supervisor already listens on " + path
                    + ": configure another " + configuring);
            UnixSocketServer server = new UnixSocketServer(path.toString(), 64, type);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            return new ListenerSocket(path, server, made);
        } catch (IOException | LinuxException | RuntimeException e) {
            PrivateDirectories.removeIfEmpty(made);
            throw e;
        }
    }

    /** @return null while the socket file is still the one bound here, else what happened to it */
    String problem() {
        try {
            Object inode = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            return inode.equals(boundInode) ? null : path + " was replaced";
        } catch (IOException e) {
            return path + " is gone";
        }
    }

    UnixSocketServer server() {
        return server;
    }

    Path path() {
        return path;
    }

    private static boolean someoneListens(Path path, int type) {
        if (type == Linux.SOCK_STREAM) {
            return StaleSocket.streamListens(path);
        }
        try {
            return UnixSocketServer.connects(path.toString(), type);
        } catch (LinuxException e) {
            return false;
        }
    }

    /**
     * Starts a thread that accepts connections and hands each to {@code connection} (which owns it
     * then), until {@link #shutdown} while {@code running} says no more. A failed accept is logged
     * and tried again a little later.
     *
     * @return the thread, started
     */
    Thread acceptInto(String threadName, java.util.function.BooleanSupplier running,
            java.util.function.IntConsumer connection) {
        Thread acceptor = new Thread(() -> {
            while (running.getAsBoolean()) {
                int accepted;
                try {
                    accepted = server.accept();
                } catch (LinuxException e) {
                    if (running.getAsBoolean()) {
                        LOG.log(Level.ERROR, "accept on " + path + " failed: " + e.getMessage());
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                    continue;
                }
                connection.accept(accepted);
            }
        }, threadName);
        acceptor.setDaemon(true);
        acceptor.start();
        return acceptor;
    }

    /** Makes a blocked accept fail, so its thread can end. */
    void shutdown() {
        server.shutdown();
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
        PrivateDirectories.removeIfEmpty(madeDirectories);
    }
}
