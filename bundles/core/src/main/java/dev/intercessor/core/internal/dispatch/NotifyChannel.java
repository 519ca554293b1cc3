package dev.intercessor.core.internal.dispatch;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;

/**
 * One seccomp notify fd of a session. Reference-counted: the fd is closed only when it has been
 * released and no thread is still answering on it, so an answer can never reach a reused fd
 * number.
 */
public final class NotifyChannel {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.dispatch");

    private final long key;
    private final int fd;
    private final int pid;
    private final Session session;
    /** 1 for the registration, +1 per thread using the fd; 0 = closed. */
    private final AtomicInteger references = new AtomicInteger(1);
    private final AtomicBoolean released = new AtomicBoolean();
    /** Whether its callers are the container's: known at attach, unless the runtime named no process. */
    private volatile boolean admitted;
    /** The last caller's /proc handles, closed with the fd. */
    private final CallerHandles.Cache callers;

    /** Whether a container process handed it over itself ({@link ListenerHandOver}), not the runtime. */
    private final boolean handedOver;
    /** The key the fd keeper holds it under, 0 if it is not kept. */
    private volatile long keptAs;
    /** Where its notifications come from and go to if the runtime relays them; null: the fd itself. */
    private final RelayedNotifications relay;

    NotifyChannel(long key, int fd, int pid, Session session, CallerHandles.Cache callers) {
        this(key, fd, pid, session, callers, false, null);
    }

    /**
     * @param handedOver a listener a container process handed over: admitted only by its callers
     * @param relay      the runtime's relay of its notifications, or null to receive them on {@code fd}
     */
    NotifyChannel(long key, int fd, int pid, Session session, CallerHandles.Cache callers, boolean handedOver,
            RelayedNotifications relay) {
        this.handedOver = handedOver;
        this.relay = relay;
        this.callers = callers;
        this.admitted = pid != 0 && !handedOver;
        this.key = key;
        this.fd = fd;
        this.pid = pid;
        this.session = session;
    }

    public long key() {
        return key;
    }

    public int fd() {
        return fd;
    }

    /** @return whether a container process handed it over itself, not the runtime */
    public boolean handedOver() {
        return handedOver;
    }

    boolean admitted() {
        return admitted;
    }

    void admit() {
        admitted = true;
    }

    /** @return the process the runtime said this fd belongs to, 0 if it named none */
    public int pid() {
        return pid;
    }

    public Session session() {
        return session;
    }

    long keptAs() {
        return keptAs;
    }

    void keptAs(long key) {
        keptAs = key;
    }

    /** @return the runtime's relay of this channel's notifications, or null if they come from {@link #fd} */
    public RelayedNotifications relay() {
        return relay;
    }

    /**
     * Answers call {@code id} of this channel: the one way an answer goes out (to the relay, or
     * to {@code direct}: the kernel), counted in its session.
     *
     * @return for an injected fd the caller's new descriptor, else 0; -1 if the answer could not
     *         be given (the caller was killed meanwhile: ENOENT)
     */
    long answer(AnswerSink direct, Seccomp.Buffers buffers, long id, Response response) {
        session.answered(response.kind());
        return send(direct, buffers, id, response);
    }

    /** Answers a plain continue (no handler took the call): counted in its session as one. */
    void continuePlain(AnswerSink direct, Seccomp.Buffers buffers, long id) {
        session.plainContinue();
        send(direct, buffers, id, Dispatcher.CONTINUE);
    }

    private long send(AnswerSink direct, Seccomp.Buffers buffers, long id, Response response) {
        try {
            return (relay != null ? relay : direct).answer(fd, buffers, id, response);
        } catch (LinuxException e) {
            // ENOENT: the caller was killed while we decided. Nothing else is expected here.
            if (e.errno() != Errno.ENOENT) {
                LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": cannot answer notification "
                        + id + ": " + e.getMessage());
            }
            return -1;
        }
    }

    /** @return what the channel waits on: the relay's socket, or the notify fd */
    int waitFd() {
        return relay != null ? relay.socket() : fd;
    }

    CallerHandles.Cache callers() {
        return callers;
    }

    /** @return false if the channel is already closed */
    boolean acquire() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops the registration's reference, once. @return whether this call released it */
    boolean release() {
        if (released.compareAndSet(false, true)) {
            releaseReference();
            return true;
        }
        return false;
    }

    void releaseReference() {
        if (references.decrementAndGet() == 0) {
            callers.close();
            Linux.close(fd);
            if (relay != null) {
                relay.close();
            }
        }
    }
}
