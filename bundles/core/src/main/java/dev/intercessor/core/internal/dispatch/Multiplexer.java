package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.intercessor.api.Errno;
import dev.intercessor.core.internal.keep.FdKeeper;
import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.CallerIdentity;
import dev.intercessor.core.internal.linux.ContainerInit;
import dev.intercessor.core.internal.linux.Epoll;
import dev.intercessor.core.internal.linux.EventFd;
import dev.intercessor.core.internal.linux.ExecEvents;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.oci.OciState;
import dev.intercessor.core.internal.policy.ContainerPolicy;
import jnr.ffi.Pointer;

/**
 * Every notify fd on one epoll set, served by a small fixed number of threads (never one per
 * container). Each fd is registered one-shot: the thread that wakes for it serves that container
 * alone, on its own thread (no hand-over), then lingers briefly on the fd for the next call
 * (ppoll: woken on the caller's CPU), and after a full burst may stay blocked in NOTIF_RECV as a
 * hot thread until the container goes quiet; then the fd goes back on epoll.
 */
public final class Multiplexer {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.notify");
    private static final long WAKE_KEY = 0;
    private static final int ARMED = Linux.EPOLLIN | Linux.EPOLLONESHOT;

    private final Dispatcher dispatcher;
    private final Supplier<Map<String, String>> globalPolicy;
    private final Epoll epoll;
    private final EventFd wake;
    private final Map<Long, NotifyChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong nextKey = new AtomicLong(1);
    private final AtomicInteger threadCount = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    /** Guarded by this. */
    private boolean closed;
    /** The doorbell: listeners a container's processes hand over themselves. */
    private final ListenerHandOver handOver;
    /** The host's exec events; null if the proc connector cannot be read (then no memory handle is kept). */
    private final ExecEvents execs;
    /** Holds a duplicate of each runtime's notify fd over a restart; null: nothing survives one. */
    private volatile FdKeeper keeper;
    private final java.security.SecureRandom keys = new java.security.SecureRandom();
    /** Channels taken back from the keeper, not served until {@link #serveRestored}. */
    private final List<NotifyChannel> restored = new ArrayList<>();

    /**
     * @param lingerMicros how long a thread waits on the fd it just served (0: straight back to epoll)
     * @param burst        how many calls of one container a thread serves in a row at most
     */
    public Multiplexer(Dispatcher dispatcher, Supplier<Map<String, String>> globalPolicy, int threads,
            int lingerMicros, int burst, int hotThreads, int hotIdleMillis, int stuckCallMillis) throws LinuxException {
        this.lingerNanos = lingerMicros * 1000L;
        this.burst = Math.max(1, burst);
        this.hotThreads = Math.min(Math.max(0, hotThreads), threads - 1);
        this.hotIdleNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, hotIdleMillis));
        this.stuckNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(100, stuckCallMillis));
        if (this.hotThreads > 0) {
            Linux.installWakeSignal();
        }
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "intercessor-notify-watchdog");
            t.setDaemon(true);
            return t;
        });
        // Start its thread here: a thread created from a notify thread would share that
        // thread's fs_struct (pthread_create passes CLONE_FS), and setns(mnt) refuses a shared one.
        w.prestartAllCoreThreads();
        watchdog = w;
        handOver = new ListenerHandOver(this, w);
        long period = Math.max(50, stuckNanos / 4);
        watchdog.scheduleAtFixedRate(this::answerStuckCalls, period, period, TimeUnit.NANOSECONDS);
        this.dispatcher = dispatcher;
        this.globalPolicy = globalPolicy;
        this.execs = openExecEvents();
        this.epoll = new Epoll();
        this.wake = new EventFd();
        epoll.add(wake.fd(), Linux.EPOLLIN, WAKE_KEY);
        for (int i = 0; i < threads; i++) {
            startThread();
        }
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

    private synchronized void startThread() {
        Thread t = new Thread(this::loop, "intercessor-notify-" + threadCount.incrementAndGet());
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private volatile java.util.function.Consumer<Session> onFirstAttach = s -> { };

    /**
     * @param prepare what to do for a new container before its first notify fd is served (its
     *                trapped calls wait in the kernel meanwhile); must not throw
     */
    public void onFirstAttach(java.util.function.Consumer<Session> prepare) {
        onFirstAttach = prepare;
    }

    /**
     * Takes over a notify fd the runtime sent for a container process.
     *
     * @return the channel, or throws if the fd is not a usable seccomp notify fd (it is then
     *         closed)
     */
    public NotifyChannel attach(OciState state, int notifyFd) throws LinuxException {
        try {
            Seccomp.checkNotifyFd(notifyFd);
            Seccomp.setSyncWakeUp(notifyFd);
        } catch (LinuxException e) {
            Linux.close(notifyFd);
            throw e;
        }
        Session session;
        try {
            session = session(state);
        } catch (LinuxException e) {
            Linux.close(notifyFd);
            throw e;
        }
        if (!session.kernelOnly() && session.firstAttach()) {
            onFirstAttach.accept(session);
        }
        NotifyChannel channel = new NotifyChannel(nextKey.getAndIncrement(), notifyFd, state.pid(),
                session, new CallerHandles.Cache(execs));
        if (state.pid() == 0) {
            LOG.log(Level.INFO, () -> "container " + state.containerId() + ": a notify fd without a process "
                    + "(pid 0: crun exec); served once a caller is seen in the container's pid namespace");
        }
        session.add(channel);
        keep(channel, state); // first: its calls are journaled from the first on
        serve(channel);
        return channel;
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

    /** @param keeper what keeps the runtimes' notify fds over a restart (from the next attach on) */
    public void keepWith(FdKeeper keeper) {
        this.keeper = keeper;
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
        // A channel without a process (crun exec) joins its container's session: those come last.
        List<FdKeeper.Kept> ordered = new ArrayList<>(kept);
        ordered.sort(java.util.Comparator.comparing(Multiplexer::withoutProcess));
        for (FdKeeper.Kept k : ordered) {
            int initDir = k.initDir();
            try {
                OciState state = OciState.parse(k.record());
                Session session = session(state, initDir);
                initDir = -1; // the session's now, or closed by session()
                session.firstAttach(); // prepared by the supervisor that attached it
                NotifyChannel channel = new NotifyChannel(nextKey.getAndIncrement(), k.notifyFd(), state.pid(),
                        session, new CallerHandles.Cache(execs));
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

    /**
     * Answers with EINTR each call an earlier run was deciding when it ended (its in-flight
     * journal) that still waits, on the channels {@link #restore} took back: no caller waits for
     * an answer that will never come.
     *
     * @return how many were answered
     */
    public int answerLeftOver(List<dev.intercessor.core.internal.keep.InFlight.Call> calls) {
        int answered = 0;
        Seccomp.Buffers buffers = new Seccomp.Buffers();
        List<NotifyChannel> taken;
        synchronized (restored) {
            taken = List.copyOf(restored);
        }
        for (dev.intercessor.core.internal.keep.InFlight.Call call : calls) {
            for (NotifyChannel channel : taken) {
                if (channel.keptAs() == call.key() && Seccomp.idValid(channel.fd(), buffers.resp, call.id())) {
                    try {
                        Seccomp.send(channel.fd(), buffers, call.id(), 0, Errno.EINTR, false);
                        answered++;
                    } catch (LinuxException e) {
                        // answered meanwhile, or the caller died
                    }
                }
            }
        }
        return answered;
    }

    /** @return whether a kept record names no process (crun exec), or cannot be read (it fails later) */
    private static boolean withoutProcess(FdKeeper.Kept kept) {
        try {
            return OciState.parse(kept.record()).pid() == 0;
        } catch (IllegalArgumentException e) {
            return true;
        }
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
                serve(channel);
            } catch (LinuxException e) {
                LOG.log(Level.WARNING, () -> "container " + channel.session().containerId()
                        + ": a notify fd taken back cannot be served: " + e.getMessage());
            }
        }
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
            session = session(state);
        } catch (LinuxException | RuntimeException e) {
            Linux.close(notifyFd);
            relay.close();
            throw e;
        }
        if (!session.kernelOnly() && session.firstAttach()) {
            onFirstAttach.accept(session);
        }
        NotifyChannel channel = new NotifyChannel(nextKey.getAndIncrement(), notifyFd, state.pid(),
                session, new CallerHandles.Cache(execs), false, relay);
        session.add(channel);
        serve(channel);
        return channel;
    }

    /** Puts a channel of its session on epoll; if that fails, it is detached (its fd closed). */
    private void serve(NotifyChannel channel) throws LinuxException {
        channels.put(channel.key(), channel);
        try {
            epoll.add(channel.waitFd(), ARMED, channel.key());
        } catch (LinuxException e) {
            detach(channel);
            throw e;
        }
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
        NotifyChannel channel = new NotifyChannel(nextKey.getAndIncrement(), notifyFd, pid, session,
                new CallerHandles.Cache(execs), true, null);
        session.add(channel);
        session.endHandOver(true);
        serve(channel);
    }

    /** A hand-over that did not come: the session ends if nothing else holds it. */
    void abandonHandOver(Session session) {
        if (session.endHandOver(false)) {
            end(session);
        }
    }

    private void end(Session session) {
        if (sessions.remove(session.containerId(), session)) {
            session.init().close();
            LOG.log(Level.INFO, () -> "container " + session.containerId() + " detached ("
                    + session.seen() + " calls seen)");
        }
    }

    /**
     * @return the container's session: a new one, or the one already attached under this id if
     *         the new process is in that container's namespaces (an exec); anything else with a known
     *         id is refused, so it can never take over another container's policy
     */
    private Session session(OciState state) throws LinuxException {
        return session(state, -1);
    }

    /**
     * @param keptInitDir the init's /proc directory as it was kept over a restart (this method's:
     *                    adopted or closed), or -1 to open it by the state's init pid
     */
    private Session session(OciState state, int keptInitDir) throws LinuxException {
        boolean[] adopted = {false};
        try {
            return sessionOf(state, keptInitDir, adopted);
        } finally {
            if (!adopted[0]) {
                Linux.close(keptInitDir); // a session existed already, or none could be made
            }
        }
    }

    private Session sessionOf(OciState state, int keptInitDir, boolean[] adopted) throws LinuxException {
        if (state.pid() == 0) { // crun exec: joins the container's session; admit() checks its callers
            Session known = sessions.get(state.containerId());
            if (known == null) {
                throw new LinuxException("container " + state.containerId() + " is not attached, and a notify fd "
                        + "without a process (pid 0, as crun exec sends) cannot start it: refused", Errno.EPERM);
            }
            return known;
        }
        Session[] made = {null};
        LinuxException[] failed = {null};
        Session session = sessions.computeIfAbsent(state.containerId(), id -> {
            try {
                adopted[0] = keptInitDir >= 0; // adopt() owns it from here, also when it fails
                ContainerInit init = keptInitDir >= 0 ? ContainerInit.adopt(state.initPid(), keptInitDir)
                        : ContainerInit.open(state.initPid());
                made[0] = new Session(id, state.ociVersion(), init, new ContainerPolicy(id, state.annotations(),
                        state.metadata(), globalPolicy, dispatcher.options()));
                return made[0];
            } catch (LinuxException e) {
                failed[0] = e;
                return null;
            }
        });
        if (failed[0] != null) {
            throw new LinuxException("container " + state.containerId() + ": cannot open its init "
                    + state.initPid() + " (" + failed[0].getMessage() + ")", failed[0].errno());
        }
        if (made[0] == null && !session.init().holds(state.pid())) {
            throw new LinuxException("container " + state.containerId() + " is attached already, and process "
                    + state.pid() + " is not in its pid namespace: refused", Errno.EPERM);
        }
        if (made[0] != null && session.kernelOnly()) {
            LOG.log(Level.WARNING, () -> "container " + state.containerId() + " is not user-namespaced (its root "
                    + "is host root): nothing is emulated for it, every trapped call goes to the kernel");
        }
        return session;
    }

    public Collection<Session> sessions() {
        return List.copyOf(sessions.values());
    }

    public Session session(String containerId) {
        return sessions.get(containerId);
    }

    private void detach(NotifyChannel channel) {
        if (!channel.release()) {
            return;
        }
        FdKeeper k = keeper;
        if (k != null && channel.keptAs() != 0 && running) {
            k.release(channel.keptAs()); // its container is done with it (while stopping: kept)
        }
        channels.remove(channel.key());
        epoll.remove(channel.waitFd());
        Session session = channel.session();
        if (session.remove(channel)) {
            end(session);
        }
    }

    private void loop() {
        Slot slot = new Slot();
        slots.add(slot);
        try {
            serveAll(slot);
        } finally {
            slots.remove(slot);
        }
    }

    private void serveAll(Slot slot) {
        Seccomp.Buffers buffers = new Seccomp.Buffers();
        Pointer events = Linux.allocate(Epoll.EVENT_SIZE);
        Pointer rearm = Linux.allocate(Epoll.EVENT_SIZE);
        if (hotThreads > 0) {
            Linux.acceptWake(false); // pending until this thread waits in a hot NOTIF_RECV
        }
        try {
            CallerIdentity.forCurrentThread(); // unshare(CLONE_FS) now, not on the first call
        } catch (LinuxException e) {
            LOG.log(Level.ERROR, "notify thread cannot prepare identity switching: " + e.getMessage());
        }
        while (running) {
            try {
                if (epoll.await(events, 1, -1) == 0) {
                    continue;
                }
                long key = Epoll.key(events, 0);
                if (key == WAKE_KEY) {
                    continue;
                }
                NotifyChannel channel = channels.get(key);
                if (channel == null || !channel.acquire()) {
                    continue;
                }
                try {
                    serve(slot, channel, Epoll.events(events, 0), buffers, rearm);
                } finally {
                    channel.releaseReference();
                }
            } catch (Abandoned e) {
                return; // the watchdog answered its call and started another thread
            } catch (CallerIdentity.IdentityStuck e) {
                LOG.log(Level.ERROR, Thread.currentThread().getName() + " ends: " + e.getMessage());
                if (running) {
                    startThread();
                }
                return;
            } catch (LinuxException | RuntimeException e) {
                LOG.log(Level.ERROR, "notify loop error", e);
            }
        }
    }

    /**
     * How long a thread stays with a channel it just served, waiting for that container's next
     * call, and how many calls in a row it serves before it goes back to the others. A thread
     * waiting in poll(2) on the notify fd itself is woken on the caller's CPU
     * (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP); through epoll it is not, and on a VM that costs more
     * than the rest of the round trip.
     */
    private final long lingerNanos;
    private final int burst;

    /**
     * Hot threads: a thread that served a full burst of one container stays with it, blocked in
     * NOTIF_RECV on its fd (one system call per call instead of ppoll + RECV, woken on the
     * caller's CPU), until the container has been quiet for {@code hotIdleNanos}; a watchdog
     * then interrupts it with {@link Linux#WAKE_SIGNAL}. At most {@code hotThreads} at a time, so
     * the others keep serving every other container through epoll. 0 turns this off.
     * <p>
     * The quiet time is several scheduler slices: with more busy callers than CPUs, a container
     * is often off the CPU for a few ms between calls, and a thread that left it at each such gap
     * would pay the epoll path and a new burst every time.
     */
    private final long hotIdleNanos;
    private final int hotThreads;
    private final AtomicInteger hotCount = new AtomicInteger();
    private final Set<HotThread> hot = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;

    private static final class HotThread {
        final int tid = Linux.gettid();
        volatile long lastServed = System.nanoTime();
        volatile boolean leave;
    }

    private void serve(Slot slot, NotifyChannel channel, int ready, Seccomp.Buffers buffers, Pointer rearm) {
        if ((ready & Linux.EPOLLIN) == 0) {
            detach(channel); // EPOLLHUP alone: every process of the filter has exited
            return;
        }
        if (channel.relay() != null) {
            serveRelayed(slot, channel, buffers, rearm);
            return;
        }
        boolean detached = false;
        try {
            for (int served = 0; served < burst && running; served++) {
                if (served > 0) {
                    int events = lingerNanos == 0 ? 0
                            : channel.callers().linger(channel.fd(), buffers.pollfd, buffers.timespec, lingerNanos,
                                    slot.seen);
                    if ((events & Linux.POLLIN) == 0) {
                        if ((events & Linux.POLLHUP) != 0) {
                            detach(channel);
                            detached = true;
                        }
                        return; // quiet: back to epoll
                    }
                }
                try {
                    Seccomp.receive(channel.fd(), buffers);
                } catch (LinuxException e) {
                    continue; // ENOENT: the caller was killed before we got to it
                }
                if (!admit(channel, buffers)) {
                    continue;
                }
                if (ListenerHandOver.rings(buffers.notif)) {
                    if (handOver.answer(channel, buffers)) {
                        detach(channel); // the caller makes its own listener once this one is closed
                        detached = true;
                        return;
                    }
                    continue;
                }
                // After a linger, its poll vouches for the cached caller handles; else none did.
                decide(slot, channel, buffers, dispatcher.handlerFor(channel, buffers), 0,
                        served > 0 && lingerNanos > 0 ? slot.seen : null);
            }
            if (hotThreads > 0 && running) {
                serveHot(slot, channel, buffers);
            }
        } finally {
            // Whatever happened (even a thread that must end), the fd goes back on epoll.
            if (!detached) {
                rearm(channel, rearm);
            }
        }
    }

    /**
     * One relayed notification: the runtime sends the next only once this one is answered, so
     * there is nothing to linger for. Its end of the socket (the container stopped) detaches it.
     */
    private void serveRelayed(Slot slot, NotifyChannel channel, Seccomp.Buffers buffers, Pointer rearm) {
        boolean detached = false;
        try {
            if (!channel.relay().receive(buffers)) {
                return;
            }
            decide(slot, channel, buffers, dispatcher.handlerFor(channel, buffers), 0, null);
        } catch (LinuxException e) {
            detach(channel); // the runtime closed the socket: the container stopped
            detached = true;
        } finally {
            if (!detached) {
                rearm(channel, rearm);
            }
        }
    }

    /**
     * The one step after a call is received and admitted: the kernel runs it (no handler) or its
     * handler does, watched.
     *
     * @param binding  {@link Dispatcher#handlerFor} of the call
     * @param received {@link System#nanoTime()} when it was received, or 0 if not read yet (a plain
     *                 continue then reads the clock only for its sample)
     * @param seen     what a linger's poll saw of the channel's cached caller handles, or null
     */
    private void decide(Slot slot, NotifyChannel channel, Seccomp.Buffers buffers, HandlerBinding binding,
            long received, CallerHandles.Seen seen) {
        if (binding == null) {
            dispatcher.continueSyscall(channel, buffers, Dispatcher.sampledStart(buffers, received));
        } else {
            dispatchWatched(slot, channel, buffers, binding, received != 0 ? received : System.nanoTime(), seen);
        }
    }

    /**
     * Whether the call just received may be served: always on a channel whose process the runtime
     * named (checked at attach). A channel handed over without a process (crun exec), or by a
     * container process itself (the doorbell), is the container's once a caller is seen in the
     * container's pid namespace (every later caller descends from it); until then a caller outside
     * gets ENOSYS, as with no supervisor at all.
     */
    private boolean admit(NotifyChannel channel, Seccomp.Buffers buffers) {
        if (channel.admitted()) {
            return true;
        }
        int pid = buffers.notif.getInt(Seccomp.NOTIF_PID);
        long id = buffers.notif.getLong(Seccomp.NOTIF_ID);
        Session session = channel.session();
        // The number is the caller's while its call still waits: check the namespace, then that.
        boolean inContainer = session.init().holds(pid);
        if (!Seccomp.idValid(channel.fd(), buffers.resp, id)) {
            return false; // gone: nothing to answer, nothing learnt
        }
        if (inContainer) {
            channel.admit();
            return true;
        }
        LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": process " + pid + " on a notify fd "
                + (channel.handedOver() ? "handed over by a container process" : "handed over without a process")
                + " is not in the container's pid namespace: ENOSYS");
        try {
            Seccomp.send(channel.fd(), buffers, id, 0, Errno.ENOSYS, false);
        } catch (LinuxException e) {
            // ENOENT: the caller is gone
        }
        return false;
    }

    /** Serves a busy container from a blocking NOTIF_RECV, if a hot slot is free. */
    private void serveHot(Slot slot, NotifyChannel channel, Seccomp.Buffers buffers) {
        if (hotCount.incrementAndGet() > hotThreads) {
            hotCount.decrementAndGet();
            return;
        }
        HotThread me = new HotThread();
        hot.add(me);
        watchdog.schedule(() -> coolDown(me), hotIdleNanos, TimeUnit.NANOSECONDS);
        // Only RECV, SEND and pure Java run while the wake signal may arrive: a call that needs a
        // handler (an identity switch, files) ends hot mode first. A signal that comes late stays
        // pending until the next hot RECV, which then just returns EINTR once.
        Linux.acceptWake(true);
        boolean accepting = true;
        try {
            while (running && !me.leave) {
                try {
                    Seccomp.receive(channel.fd(), buffers);
                } catch (LinuxException e) {
                    if (e.errno() == Linux.EINTR) {
                        continue; // the watchdog (me.leave is set), or a stale signal
                    }
                    // ENOENT: a caller died, or the whole container did (then RECV no longer blocks)
                    if ((linger(channel.fd(), buffers, 0) & Linux.POLLHUP) != 0) {
                        return;
                    }
                    continue;
                }
                long received = System.nanoTime();
                me.lastServed = received;
                if (!channel.admitted() || ListenerHandOver.rings(buffers.notif)) {
                    // Its check reads /proc, as does a doorbell: out of hot mode first, as for a handler.
                    Linux.acceptWake(false);
                    accepting = false;
                    if (admit(channel, buffers)) {
                        if (ListenerHandOver.rings(buffers.notif)) {
                            if (handOver.answer(channel, buffers)) {
                                detach(channel);
                            }
                            return;
                        }
                        decide(slot, channel, buffers, dispatcher.handlerFor(channel, buffers), received, null);
                    }
                    return;
                }
                HandlerBinding binding = dispatcher.handlerFor(channel, buffers);
                if (binding != null) {
                    Linux.acceptWake(false); // a handler switches identity, opens files: out of hot mode
                    accepting = false;
                }
                decide(slot, channel, buffers, binding, received, null);
                if (binding != null) {
                    return;
                }
            }
        } finally {
            if (accepting) {
                Linux.acceptWake(false);
            }
            hot.remove(me);
            hotCount.decrementAndGet();
        }
    }

    /**
     * Takes a hot thread back once its container has gone quiet. While the container is busy it
     * looks again when the thread could next be due; after signalling, every millisecond until the
     * thread has left (the signal may have come just before it blocked). Nothing ticks while no
     * thread is hot.
     */
    private void coolDown(HotThread t) {
        if (!hot.contains(t)) {
            return;
        }
        long next = hotIdleNanos - (System.nanoTime() - t.lastServed);
        if (!running || next <= 0) {
            t.leave = true;
            Linux.wake(t.tid);
            next = TimeUnit.MILLISECONDS.toNanos(1);
        }
        try {
            watchdog.schedule(() -> coolDown(t), next, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: close() signals every hot thread itself
        }
    }

    /**
     * Stuck calls: a handler can block in the kernel on something the container controls (a page
     * of its memory behind a filesystem that waits, say), where only a fatal signal reaches it. The
     * watchdog answers such a call with EINTR once it has run for {@code stuckNanos}, and starts a
     * thread in place of the one held; that one ends when the kernel lets it go. While
     * {@value #STUCK_PER_CONTAINER} threads are held for one container, its handler calls get
     * EAGAIN without a handler, so it cannot take every thread.
     */
    private final long stuckNanos;
    private static final int STUCK_PER_CONTAINER = 2;
    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();

    /** What a notify thread is dispatching now, for the watchdog; written by that thread only. */
    private static final class Slot {
        volatile long id;
        volatile long since;
        /** set last: non-null while a handler runs */
        volatile NotifyChannel channel;
        volatile boolean abandoned;
        /** This thread's view of a channel's cached caller handles, from its last linger. */
        final CallerHandles.Seen seen = new CallerHandles.Seen();
    }

    /** Ends a notify thread whose call the watchdog answered. */
    private static final class Abandoned extends Error {
        private static final long serialVersionUID = 1L;

        Abandoned() {
            super(null, null, false, false);
        }
    }

    private void dispatchWatched(Slot slot, NotifyChannel channel, Seccomp.Buffers buffers, HandlerBinding binding,
            long received, CallerHandles.Seen seen) {
        Session session = channel.session();
        if (session.stuckCalls.get() >= STUCK_PER_CONTAINER) {
            dispatcher.refuse(channel, buffers, binding, Errno.EAGAIN, received);
            return;
        }
        slot.id = buffers.notif.getLong(Seccomp.NOTIF_ID);
        slot.since = received;
        slot.channel = channel;
        try {
            dispatcher.dispatch(channel, buffers, binding, received, seen);
        } finally {
            slot.channel = null;
            if (slot.abandoned) {
                session.stuckCalls.decrementAndGet();
                LOG.log(Level.INFO, () -> Thread.currentThread().getName() + " is free again and ends (container "
                        + session.containerId() + ")");
                throw new Abandoned();
            }
        }
    }

    private void answerStuckCalls() {
        long now = System.nanoTime();
        for (Slot slot : slots) {
            NotifyChannel channel = slot.channel;
            long id = slot.id;
            if (channel == null || slot.abandoned || now - slot.since < stuckNanos || slot.channel != channel
                    || !running || !channel.acquire()) {
                continue;
            }
            try {
                slot.abandoned = true;
                channel.session().stuckCalls.incrementAndGet();
                channel.answers(AnswerSink.KERNEL).answer(channel.fd(), watchdogBuffers, id,
                        dev.intercessor.api.Response.errno(Errno.EINTR));
                LOG.log(Level.WARNING, () -> "container " + channel.session().containerId() + ": a call has waited "
                        + TimeUnit.NANOSECONDS.toMillis(now - slot.since) + " ms in its handler (blocked on something "
                        + "the container controls): answered EINTR; a new notify thread takes the held one's place");
            } catch (LinuxException e) {
                // ENOENT: answered meanwhile, or the caller died; the thread ends anyway
            } finally {
                channel.releaseReference();
            }
            if (running) {
                startThread();
            }
        }
    }

    private final Seccomp.Buffers watchdogBuffers = new Seccomp.Buffers();

    /** @return the notify threads running now (a held one and its replacement both count) */
    public int notifyThreads() {
        return slots.size();
    }

    /** @return how many threads stay with one busy container now */
    public int hotThreadsNow() {
        return hot.size();
    }

    /** @return how many threads may stay with a busy container at once */
    public int hotThreads() {
        return hotThreads;
    }

    /** @return the poll events of {@code fd} within {@code nanos}, 0 if none */
    private static int linger(int fd, Seccomp.Buffers buffers, long nanos) {
        Pointer pollfd = buffers.pollfd;
        pollfd.putInt(0, fd);
        pollfd.putShort(4, Linux.POLLIN);
        pollfd.putShort(6, (short) 0);
        Pointer timeout = buffers.timespec;
        timeout.putLong(0, 0);
        timeout.putLong(8, nanos);
        int n = Linux.libc().ppoll(pollfd, 1, timeout, null);
        return n > 0 ? pollfd.getShort(6) : 0;
    }

    private void rearm(NotifyChannel channel, Pointer scratch) {
        try {
            epoll.modify(channel.waitFd(), ARMED, channel.key(), scratch);
        } catch (LinuxException e) {
            detach(channel);
        }
    }

    /**
     * Stops the threads and closes every notify fd: the trapped calls then wait for the next run
     * if the keeper holds the fds, else they fail with ENOSYS. Once; later calls do nothing.
     */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        running = false;
        wake.signal();
        for (HotThread t : hot) {
            t.leave = true;
            Linux.wake(t.tid);
        }
        watchdog.shutdownNow();
        List<Thread> toJoin;
        synchronized (this) {
            toJoin = new ArrayList<>(threads);
        }
        for (Thread t : toJoin) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (NotifyChannel channel : List.copyOf(channels.values())) {
            detach(channel);
        }
        epoll.close();
        wake.close();
        if (execs != null) {
            execs.close();
        }
    }
}
