package dev.intercessor.api.testing;

import java.nio.file.Path;

import dev.intercessor.api.CallerFd;

/**
 * What {@link FakeTarget#takeFd} gives: a made-up descriptor number standing for a file the test
 * chose ({@link FakeTarget#fd}), which {@link #procPath()} names, so a handler that stats it
 * through {@link java.nio.file.Files} sees that file. Records whether it was closed.
 */
public final class FakeCallerFd implements CallerFd {

    private final int fd;
    private final int callerFd;
    private final Path file;
    private int closes;

    FakeCallerFd(int fd, int callerFd, Path file) {
        this.fd = fd;
        this.callerFd = callerFd;
        this.file = file;
    }

    @Override
    public int fd() {
        return fd;
    }

    /** @return the caller's descriptor number this is a duplicate of */
    public int callerFd() {
        return callerFd;
    }

    /** @return the file configured for the caller's descriptor */
    @Override
    public Path procPath() {
        return file;
    }

    @Override
    public void close() {
        closes++;
    }

    /** @return whether {@link #close()} was called */
    public boolean closed() {
        return closes > 0;
    }

    @Override
    public String toString() {
        return "FakeCallerFd " + fd + " (caller's " + callerFd + ": " + file + ")";
    }
}
