package dev.intercessor.core.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import dev.intercessor.core.internal.linux.FileLocks;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.directories.PrivateDirectories;

/**
 * Claims a path one supervisor must have to itself (its device store, its fd keeper's socket) for
 * as long as it runs: a lock on {@code <path>.lock} next to it, holding the owner's pid. A second
 * supervisor started on the same paths is refused before it touches anything, instead of mounting
 * over the first one's store or taking its containers from the keeper. The kernel drops the lock
 * when its process ends, so a crash leaves no claim behind, only the file, which the next run
 * takes over.
 */
final class InstanceLock implements AutoCloseable {

    private final Path file;
    private final int fd;
    private final List<Path> madeDirectories;

    private InstanceLock(Path file, int fd, List<Path> madeDirectories) {
        this.file = file;
        this.fd = fd;
        this.madeDirectories = madeDirectories;
    }

    /** @return the lock file that claims {@code path} */
    static Path lockFile(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        return absolute.resolveSibling(absolute.getFileName() + ".lock");
    }

    /**
     * Claims {@code path} for this supervisor.
     *
     * @param setting the configuration key that names {@code path} (for the message)
     * @throws IOException if another supervisor holds the claim (the message names the path, the
     *                     holder's pid and what to change), or the lock file cannot be made
     */
    static InstanceLock claim(Path path, String setting) throws IOException {
        Path file = lockFile(path);
        List<Path> made;
        try {
            made = PrivateDirectories.create(file.getParent());
        } catch (IOException e) {
            // No cause attached: the daemon's log shows an exception's innermost cause, which
            // would lose the path.
            throw new IOException("cannot use " + path + " as " + setting + ": " + e);
        }
        try {
            // The holder deletes the file before it lets go: what we locked may be gone by then.
            for (int attempt = 0; attempt < 3; attempt++) {
                int fd = FileLocks.lockExclusive(file.toString());
                if (fd < 0) {
                    throw new IOException("another supervisor (" + holder(file) + ") already uses " + path
                            + ": stop it first, or give this one its own " + setting);
                }
                // Fixed width, so each owner overwrites the whole of the one before.
                String owner = String.format("%-20d %016x%n", ProcessHandle.current().pid(), System.nanoTime());
                FileLocks.write(fd, owner.getBytes(StandardCharsets.US_ASCII));
                if (owner.equals(readOrNull(file))) { // the path still names the file we locked
                    return new InstanceLock(file, fd, made);
                }
                Linux.close(fd);
            }
            throw new IOException("cannot use " + path + " as " + setting + ": its lock file " + file
                    + " keeps being replaced");
        } catch (LinuxException e) {
            PrivateDirectories.removeIfEmpty(made);
            throw new IOException("cannot use " + path + " as " + setting + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            PrivateDirectories.removeIfEmpty(made);
            throw e;
        }
    }

    private static String holder(Path file) {
        try {
            String pid = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ", 2)[0];
            return pid.matches("[0-9]+") ? "pid " + pid : "pid unknown";
        } catch (IOException e) {
            return "pid unknown";
        }
    }

    private static String readOrNull(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Lets go: the file goes first, while still locked, so no one claims a file about to vanish. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the next claim takes the file over
        }
        Linux.close(fd);
        PrivateDirectories.removeIfEmpty(madeDirectories);
        if (madeDirectories.isEmpty()) {
            // Made by another part of the supervisor (the shell's socket, an earlier core), which
            // left before the claims did: the last one out removes the empty directory, which the
            // next start makes again (as the keeper's side does).
            try {
                Files.deleteIfExists(file.getParent());
            } catch (IOException e) {
                // not empty (a running keeper's socket), or not ours
            }
        }
    }
}
