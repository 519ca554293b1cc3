package dev.intercessor.api;

import java.nio.file.Path;

/**
 * A duplicate of a caller's file descriptor, held by the supervisor ({@link Target#takeFd}).
 * Closing it closes the duplicate only; the caller's descriptor stays open.
 */
public interface CallerFd extends AutoCloseable {

    /** @return the descriptor number in the supervisor */
    int fd();

    /**
     * @return a path that opens the same file from the supervisor ({@code /proc/self/fd/<n>}),
     *         for {@link java.nio.file.Files} to stat it, whatever mount namespace it lives in
     */
    default Path procPath() {
        return Path.of("/proc/self/fd", Integer.toString(fd()));
    }

    @Override
    void close();
}
