package dev.intercessor.core.internal.linux;

import dev.intercessor.api.CallerFd;

/** A duplicate of one of the caller's descriptors ({@code pidfd_getfd}), the handler's to close once. */
final class TakenFd implements CallerFd {

    private final int copy;
    private boolean closed;

    TakenFd(int copy) {
        this.copy = copy;
    }

    @Override
    public int fd() {
        return copy;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Linux.close(copy);
        }
    }
}
