package dev.intercessor.core.internal.keep;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.UnixSocketServer;
import dev.intercessor.directories.PrivateDirectories;

/**
 * The supervisor's side of {@code libexec/intercessor-keeper}: a small process, outside the JVM,
 * that holds a duplicate of every notify fd being served (with the container's init /proc
 * directory and the record it was attached by), so a restart, an upgrade or a core-bundle update
 * takes the running containers back instead of leaving their calls to fail with ENOSYS. Calls made
 * meanwhile wait in the kernel. Started on first use if it does not run; it ends by itself once it
 * holds nothing and no supervisor is connected.
 *
 * <p>If it cannot be reached, the supervisor works as before (logged once): nothing survives a
 * restart.
 */
public final class FdKeeper implements AutoCloseable {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.keeper");
    private static final int START_MILLIS = 3000;
    private static final int RECORD_MAX = 65536;

    /** A channel kept over a restart: its fds are the receiver's. */
    public record Kept(long key, String record, int notifyFd, int initDir) {
    }

    private final Path socket;
    /** The connection, or -1 once it failed; guarded by this. */
    private int connection;
    /** The directories made for its socket, removed when empty at {@link #close}. */
    private List<Path> madeDirectories = List.of();

    private FdKeeper(Path socket, int connection) {
        this.socket = socket;
        this.connection = connection;
    }

    /**
     * Connects to the keeper at {@code socket}, starting {@code program} (detached: its own
     * session, so it outlives this JVM) if none listens there.
     *
     * @return the keeper, or null if it cannot be reached (logged)
     */
    public static FdKeeper connect(Path socket, Path program) {
        try {
            return new FdKeeper(socket, UnixSocketServer.connect(socket.toString(), Linux.SOCK_SEQPACKET));
        } catch (LinuxException e) {
            // none there (or a stale socket of one that was killed): start one
        }
        List<Path> made = List.of();
        try {
            if (socket.getParent() != null) {
                made = PrivateDirectories.create(socket.getParent());
            }
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(socket);
            }
            // Run from a copy beside its socket: the distribution's own file may then be replaced
            // (an upgrade in place) while the keeper runs, which its busy text would refuse.
            Path copy = socket.resolveSibling("intercessor-keeper");
            Path tmp = socket.resolveSibling("intercessor-keeper.tmp");
            Files.copy(program, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.move(tmp, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            new ProcessBuilder("setsid", "-f", copy.toString(), socket.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start().waitFor();
            long deadline = System.nanoTime() + START_MILLIS * 1_000_000L;
            while (true) {
                try {
                    FdKeeper keeper = new FdKeeper(socket, UnixSocketServer.connect(socket.toString(),
                            Linux.SOCK_SEQPACKET));
                    keeper.madeDirectories = made;
                    return keeper;
                } catch (LinuxException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(20);
                }
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "no fd keeper at " + socket + " (" + e.getMessage() + "): running containers will "
                    + "not survive a restart of the supervisor");
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    /** Keeps a duplicate of {@code notifyFd} and {@code initDir} under {@code key} (the caller keeps its own). */
    public synchronized void keep(long key, String record, int notifyFd, int initDir) {
        byte[] r = record.getBytes(StandardCharsets.UTF_8);
        if (r.length > RECORD_MAX) {
            LOG.log(Level.WARNING, "a container record of " + r.length + " bytes is not kept: it will not survive a restart");
            return;
        }
        byte[] message = ByteBuffer.allocate(9 + r.length).order(ByteOrder.nativeOrder())
                .put((byte) 'P').putLong(key).put(r).array();
        send(message, notifyFd, initDir);
    }

    /** Lets the fds kept under {@code key} go. */
    public synchronized void release(long key) {
        send(ByteBuffer.allocate(9).order(ByteOrder.nativeOrder()).put((byte) 'D').putLong(key).array());
    }

    /** Lets everything go: the containers' calls then fail with ENOSYS once the supervisor is gone. */
    public synchronized void releaseAll() {
        send(new byte[] {'R'});
    }

    /** @return every channel kept (by an earlier supervisor); they stay kept under their keys */
    public synchronized List<Kept> all() {
        List<Kept> kept = new ArrayList<>();
        if (!send(new byte[] {'G'})) {
            return kept;
        }
        byte[] buffer = new byte[9 + RECORD_MAX];
        try {
            while (true) {
                UnixSocketServer.Received r = UnixSocketServer.receive(connection, buffer, 0, buffer.length);
                if (r.length == 1 && buffer[0] == 'Z' && r.fds.length == 0) {
                    return kept;
                }
                if (r.length < 9 || buffer[0] != 'E' || r.fds.length != 2) {
                    for (int fd : r.fds) {
                        Linux.close(fd);
                    }
                    throw new LinuxException("an answer the keeper does not give (" + r.length + " bytes, "
                            + r.fds.length + " fds)", Linux.EPIPE);
                }
                long key = ByteBuffer.wrap(buffer, 1, 8).order(ByteOrder.nativeOrder()).getLong();
                kept.add(new Kept(key, new String(buffer, 9, r.length - 9, StandardCharsets.UTF_8), r.fds[0], r.fds[1]));
            }
        } catch (LinuxException e) {
            failed(e);
            for (Kept k : kept) {
                Linux.close(k.notifyFd());
                Linux.close(k.initDir());
            }
            return List.of();
        }
    }

    private boolean send(byte[] message, int... fds) {
        if (connection < 0) {
            return false;
        }
        try {
            UnixSocketServer.send(connection, message, fds);
            return true;
        } catch (LinuxException e) {
            failed(e);
            return false;
        }
    }

    private void failed(LinuxException e) {
        LOG.log(Level.WARNING, "the fd keeper at " + socket + " failed (" + e.getMessage() + "): containers attached "
                + "from now on will not survive a restart of the supervisor");
        Linux.close(connection);
        connection = -1;
    }

    /** Disconnects; the keeper holds on to what it has. */
    @Override
    public synchronized void close() {
        Linux.close(connection);
        connection = -1;
    }

    /**
     * Disconnects when nothing is kept: the keeper then ends and removes its socket; once it has
     * (a second at most), the directories made for it go too, if empty.
     */
    public synchronized void closeEmpty() {
        close();
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        PrivateDirectories.removeIfEmpty(madeDirectories);
        // Made by an earlier supervisor of this framework (a core update), and now empty too: an
        // empty directory of the supervisor's sockets is remade at the next start.
        Path parent = socket.getParent();
        if (parent != null && madeDirectories.isEmpty()) {
            try {
                Files.deleteIfExists(parent);
            } catch (java.io.IOException e) {
                // not empty (a listener's socket, the store), or not ours to remove
            }
        }
    }
}
