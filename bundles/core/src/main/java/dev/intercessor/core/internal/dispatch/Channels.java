package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.core.internal.keep.FdKeeper;
import dev.intercessor.core.internal.keep.InFlight;
import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.ExecEvents;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.oci.OciState;

/**
 * Makes and ends the notify channels: a notify fd a runtime sent (OCI), one whose notifications a
 * runtime relays (LXC), one a container process handed over (the doorbell), or one taken back
 * from the fd keeper after a restart. Each joins its container's session ({@link Sessions}) and is
 * then served by the {@link Multiplexer}.
 */
public final class Channels {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.notify");

    private final Sessions sessions;
    private final Multiplexer multiplexer;
    private final AtomicLong nextKey = new AtomicLong(1);
    /** The host's exec events; null if the proc connector cannot be read (then no memory handle is kept). */
    private final ExecEvents execs;
    /** Holds a duplicate of each runtime's notify fd over a restart; null: nothing survives one. */
    private volatile FdKeeper keeper;
    private final SecureRandom keys = new SecureRandom();
    /** Channels taken back from the keeper, not served until {@link #serveRestored}. */
    private final List<NotifyChannel> restored = new ArrayList<>();

    public Channels(Sessions sessions, Multiplexer multiplexer) {
        this.sessions = sessions;
        this.multiplexer = multiplexer;
        this.execs = openExecEvents();
    }

    private static ExecEvents openExecEvents() {
        try {
            return ExecEvents.open();
        } catch (LinuxException e) {
            LOG.log(Level.WARNING, () -> "cannot follow exec events (" + e.getMessage() + "): a caller's "
                    + "memory handles are opened for every call, which makes emulated calls slower");
            return null;
        }
    }

    private NotifyChannel channel(int fd, int pid, Session session, boolean handedOver, RelayedNotifications relay) {
        return new NotifyChannel(nextKey.getAndIncrement(), fd, pid, session, new CallerHandles.Cache(execs),
                handedOver, relay);
    }

    /**
     * Takes over a notify fd the runtime sent for a container process.
     *
     * @return the channel; throws if the fd is not a usable seccomp notify fd (it is then closed)
     */
    public NotifyChannel attach(OciState state, int notifyFd) throws LinuxException {
        Session session;
        try {
            Seccomp.checkNotifyFd(notifyFd);
            Seccomp.setSyncWakeUp(notifyFd);
            session = sessions.sessionFor(state, -1);
        } catch (LinuxException e) {
            Linux.close(notifyFd);
            throw e;
        }
        sessions.prepare(session);
        NotifyChannel channel = channel(notifyFd, state.pid(), session, false, null);
        if (state.pid() == 0) {
            LOG.log(Level.INFO, () -> "container " + state.containerId() + ": a notify fd without a process "
                    + "(pid 0: crun exec); served once a caller is seen in the container's pid namespace");
        }
        session.add(channel);
        keep(channel, state); // first: its calls are journaled from the first on
        multiplexer.add(channel);
        return channel;
    }

    /**
     * Takes over a container's notifications that its runtime relays ({@link RelayedNotifications}:
     * LXC's notify proxy), with the notify fd the runtime passed along. The relay's first message
     * must still be queued: it is served like every later one.
     *
     * @return the channel; on failure the fd and the relay are closed
     */
    public NotifyChannel attachRelayed(OciState state, int notifyFd, RelayedNotifications relay) throws LinuxException {
        Session session;
        try {
            Seccomp.checkNotifyFd(notifyFd);
            session = sessions.sessionFor(state, -1);
        } catch (LinuxException | RuntimeException e) {
            Linux.close(notifyFd);
            relay.close();
            throw e;
        }
        sessions.prepare(session);
        NotifyChannel channel = channel(notifyFd, state.pid(), session, false, relay);
        session.add(channel);
        multiplexer.add(channel);
        return channel;
    }

    /**
     * Serves a listener a process of {@code session}'s container handed over ({@link ListenerHandOver}):
     * its callers are admitted once one is seen in the container's pid namespace.
     *
     * @param notifyFd a seccomp notify fd, ours now (closed if this fails)
     */
    void attachHandedOver(Session session, int notifyFd, int pid) throws LinuxException {
        try {
            Seccomp.setSyncWakeUp(notifyFd);
        } catch (LinuxException e) {
            Linux.close(notifyFd);
            throw e;
        }
        NotifyChannel channel = channel(notifyFd, pid, session, true, null);
        session.add(channel);
        session.endHandOver(true);
        multiplexer.add(channel);
    }

    /** A hand-over that did not come: the session ends if nothing else holds it. */
    void abandonHandOver(Session session) {
        sessions.ended(session, session.endHandOver(false));
    }

    /**
     * A channel the multiplexer stopped serving: the keeper lets go of its fd (unless the
     * supervisor is stopping: then it is kept for the next run), and its session ends if it was
     * the last.
     */
    void ended(NotifyChannel channel, boolean stopping) {
        FdKeeper k = keeper;
        if (k != null && channel.keptAs() != 0 && !stopping) {
            k.release(channel.keptAs());
        }
        Session session = channel.session();
        sessions.ended(session, session.remove(channel));
    }

    /** @param keeper what keeps the runtimes' notify fds over a restart (from the next attach on) */
    public void keepWith(FdKeeper keeper) {
        this.keeper = keeper;
    }

    /** Keeps a duplicate of the channel's fd (and its init's) with the record it was attached by. */
    private void keep(NotifyChannel channel, OciState state) {
        FdKeeper k = keeper;
        if (k == null) {
            return;
        }
        long key = keys.nextLong() | 1; // never 0: "not kept"
        int initDir = -1;
        try {
            initDir = channel.session().init().duplicateProcDir();
            k.keep(key, state.toJson(), channel.fd(), initDir);
            channel.keptAs(key);
        } catch (LinuxException e) {
            // detached meanwhile: nothing to keep
        } finally {
            Linux.close(initDir);
        }
    }

    /**
     * Takes back the channels an earlier supervisor attached, from the keeper: each joins its
     * container's session (one per container id, its init the process it was, never a later
     * holder of the pid), but is served only from {@link #serveRestored} on; its calls wait in the
     * kernel meanwhile. A record that no longer attaches (the container has gone) is let go.
     *
     * @return how many channels were taken back
     */
    public int restore(List<FdKeeper.Kept> kept) {
        int n = 0;
        // Each record read once. A channel without a process (crun exec) joins its container's
        // session: those come last, with the records that cannot be read (they fail below).
        List<KeptRecord> ordered = new ArrayList<>();
        for (FdKeeper.Kept k : kept) {
            ordered.add(KeptRecord.read(k));
        }
        ordered.sort(Comparator.comparing(KeptRecord::withoutProcess));
        for (KeptRecord r : ordered) {
            FdKeeper.Kept k = r.kept();
            int initDir = k.initDir();
            try {
                OciState state = r.state();
                Session session = sessions.sessionFor(state, initDir);
                initDir = -1; // the session's now, or closed by sessionFor()
                sessions.prepared(session);
                NotifyChannel channel = channel(k.notifyFd(), state.pid(), session, false, null);
                channel.keptAs(k.key());
                session.add(channel);
                synchronized (restored) {
                    restored.add(channel);
                }
                n++;
            } catch (LinuxException | IllegalArgumentException e) {
                LOG.log(Level.INFO, () -> "a kept notify fd is not taken back (" + e.getMessage() + "): let go");
                Linux.close(k.notifyFd());
                Linux.close(initDir);
                FdKeeper keeping = keeper;
                if (keeping != null) {
                    keeping.release(k.key());
                }
            }
        }
        return n;
    }

    /** A kept channel with its record read: the state, or why it cannot be read. */
    private record KeptRecord(FdKeeper.Kept kept, OciState parsed, IllegalArgumentException unreadable) {

        static KeptRecord read(FdKeeper.Kept kept) {
            try {
                return new KeptRecord(kept, OciState.parse(kept.record()), null);
            } catch (IllegalArgumentException e) {
                return new KeptRecord(kept, null, e);
            }
        }

        /** @throws IllegalArgumentException if the record could not be read */
        OciState state() {
            if (parsed == null) {
                throw unreadable;
            }
            return parsed;
        }

        /** @return whether it names no process (crun exec), or cannot be read */
        boolean withoutProcess() {
            return parsed == null || parsed.pid() == 0;
        }
    }

    /**
     * Answers with EINTR each call an earlier run was deciding when it ended (its in-flight
     * journal) that still waits, on the channels {@link #restore} took back: no caller waits for
     * an answer that will never come.
     *
     * @return how many were answered
     */
    public int answerLeftOver(List<InFlight.Call> calls) {
        int answered = 0;
        Seccomp.Buffers buffers = new Seccomp.Buffers();
        List<NotifyChannel> taken;
        synchronized (restored) {
            taken = List.copyOf(restored);
        }
        for (InFlight.Call call : calls) {
            for (NotifyChannel channel : taken) {
                if (channel.keptAs() == call.key() && Seccomp.idValid(channel.fd(), buffers.resp, call.id())
                        && channel.answer(AnswerSink.KERNEL, buffers, call.id(), Response.errno(Errno.EINTR)) >= 0) {
                    answered++;
                }
            }
        }
        return answered;
    }

    /** Serves the channels {@link #restore} took back. */
    public void serveRestored() {
        List<NotifyChannel> serving;
        synchronized (restored) {
            serving = List.copyOf(restored);
            restored.clear();
        }
        for (NotifyChannel channel : serving) {
            try {
                multiplexer.add(channel);
            } catch (LinuxException e) {
                LOG.log(Level.WARNING, () -> "container " + channel.session().containerId()
                        + ": a notify fd taken back cannot be served: " + e.getMessage());
            }
        }
    }

    /** Stops following exec events (after the multiplexer has closed every channel). */
    public void close() {
        if (execs != null) {
            execs.close();
        }
    }
}
