package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

import dev.intercessor.core.internal.linux.CallerIdentity;
import dev.intercessor.core.internal.linux.Epoll;
import dev.intercessor.core.internal.linux.EventFd;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.SeccompNotif;
import jnr.ffi.Pointer;

/**
 * Every notify fd on one epoll set, served by a small fixed number of threads (never one per
 * container). Each fd is registered one-shot: the thread that wakes for it serves that container
 * alone, on its own thread (no hand-over), then lingers briefly on the fd for the next call
 * ({@link Lingering}: ppoll, woken on the caller's CPU), and after a full burst may stay with it as
 * a hot thread ({@link HotThreads}) until the container goes quiet; then the fd goes back on epoll.
 * What a call means is the {@link Dispatcher}'s to decide; this class only receives and re-arms.
 */
public final class Multiplexer {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.notify");
    private static final long WAKE_KEY = 0;
    private static final int ARMED = Linux.EPOLLIN | Linux.EPOLLONESHOT;

    private final Epoll epoll;
    private final EventFd wake;
    private final Map<Long, NotifyChannel> channels = new ConcurrentHashMap<>();
    private final AtomicInteger threadCount = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private final int threadsWanted;
    private volatile boolean running = true;
    /** Guarded by this. */
    private boolean closed;
    private final ScheduledExecutorService watchdog;
    private final HotThreads hot;
    private final StuckCalls stuck;
    /** Set by {@link #start}, before any notify thread runs (Thread.start orders the writes). */
    private Dispatcher dispatcher;
    private Lingering lingering;
    /** Told of each channel no longer served; set by {@link #start}. */
    private Channels ended;

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
     * @param threads      how many notify threads serve every channel
     * @param lingerMicros how long a thread waits on the fd it just served (0: straight back to epoll)
     * @param burst        how many calls of one container a thread serves in a row at most
     * @param hotThreads   how many threads may stay with a busy container (at most {@code threads} - 1)
     */
    public Multiplexer(int threads, int lingerMicros, int burst, int hotThreads, int hotIdleMillis,
            int stuckCallMillis) throws LinuxException {
        this.threadsWanted = threads;
        this.lingerNanos = lingerMicros * 1000L;
        this.burst = Math.max(1, burst);
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "intercessor-notify-watchdog");
            t.setDaemon(true);
            return t;
        });
        // Start its thread here: a thread created from a notify thread would share that
        // thread's fs_struct (pthread_create passes CLONE_FS), and setns(mnt) refuses a shared one.
        w.prestartAllCoreThreads();
        watchdog = w;
        hot = new HotThreads(Math.min(Math.max(0, hotThreads), threads - 1), hotIdleMillis, w);
        stuck = new StuckCalls(stuckCallMillis, w, this::replaceHeldThread);
        this.epoll = new Epoll();
        this.wake = new EventFd();
        epoll.add(wake.fd(), Linux.EPOLLIN, WAKE_KEY);
    }

    /**
     * Starts the notify threads.
     *
     * @param dispatcher decides each call
     * @param channels   told of each channel no longer served
     */
    public synchronized void start(Dispatcher dispatcher, Channels channels) {
        this.dispatcher = dispatcher;
        this.lingering = new Lingering(dispatcher, burst, () -> running);
        this.ended = channels;
        for (int i = 0; i < threadsWanted; i++) {
            startThread();
        }
    }

    /** @return the timer the watchdog, hot threads and hand-overs share (its thread has its own fs_struct) */
    public ScheduledExecutorService timer() {
        return watchdog;
    }

    private synchronized void startThread() {
        Thread t = new Thread(this::loop, "intercessor-notify-" + threadCount.incrementAndGet());
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** The watchdog answered a call that holds a thread: another takes its place. */
    private void replaceHeldThread() {
        if (running) {
            startThread();
        }
    }

    /** Puts a channel on epoll, to be served from now on; if that fails, it is detached (its fd closed). */
    void add(NotifyChannel channel) throws LinuxException {
        channels.put(channel.key(), channel);
        try {
            epoll.add(channel.waitFd(), ARMED, channel.key());
        } catch (LinuxException e) {
            detach(channel);
            throw e;
        }
    }

    private void detach(NotifyChannel channel) {
        if (!channel.release()) {
            return;
        }
        channels.remove(channel.key());
        epoll.remove(channel.waitFd());
        ended.ended(channel, !running);
    }

    private void loop() {
        ServingThread thread = new ServingThread();
        stuck.add(thread);
        try {
            serveAll(thread);
        } finally {
            stuck.remove(thread);
        }
    }

    private void serveAll(ServingThread thread) {
        Pointer events = Linux.allocate(Epoll.EVENT_SIZE);
        Pointer rearm = Linux.allocate(Epoll.EVENT_SIZE);
        if (hot.enabled()) {
            Linux.acceptWake(); // sent only while this thread waits in a hot NOTIF_RECV
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
                    serve(thread, channel, Epoll.events(events, 0), rearm);
                } finally {
                    channel.releaseReference();
                }
            } catch (ServingThread.Abandoned e) {
                return; // the watchdog answered its call and started another thread
            } catch (CallerIdentity.IdentityStuck e) {
                LOG.log(Level.ERROR, Thread.currentThread().getName() + " ends: " + e.getMessage());
                replaceHeldThread();
                return;
            } catch (LinuxException | RuntimeException e) {
                LOG.log(Level.ERROR, "notify loop error", e);
            }
        }
    }

    /** Serves a channel epoll reported; whatever happens (even a thread that must end), it is re-armed or detached. */
    private void serve(ServingThread thread, NotifyChannel channel, int ready, Pointer rearm) {
        if ((ready & Linux.EPOLLIN) == 0) {
            detach(channel); // EPOLLHUP alone: every process of the filter has exited
            return;
        }
        boolean letGo = false;
        try {
            letGo = channel.relay() != null ? serveRelayed(thread, channel) : serveBurst(thread, channel);
        } finally {
            if (letGo) {
                detach(channel);
            } else {
                rearm(channel, rearm);
            }
        }
    }

    /**
     * Serves a burst of the container's calls, lingering on its fd between them; a busy container
     * then gets a hot thread if one is free.
     *
     * @return whether the channel is to be let go of
     */
    private boolean serveBurst(ServingThread thread, NotifyChannel channel) {
        Lingering.End end = lingering.serve(thread, channel, lingerNanos);
        if (end != Lingering.End.BURST) {
            return end == Lingering.End.LET_GO;
        }
        return running && hot.serve(thread, channel, dispatcher);
    }

    /**
     * One relayed notification: the runtime sends the next only once this one is answered, so
     * there is nothing to linger for. Its end of the socket (the container stopped) lets it go.
     *
     * @return whether the channel is to be let go of
     */
    private boolean serveRelayed(ServingThread thread, NotifyChannel channel) {
        try {
            if (channel.relay().receive(thread.buffers)) {
                dispatcher.serve(thread, channel, SeccompNotif.decode(thread.buffers.notif), 0, null);
            }
            return false;
        } catch (LinuxException e) {
            return true; // the runtime closed the socket: the container stopped
        }
    }

    private void rearm(NotifyChannel channel, Pointer scratch) {
        try {
            epoll.modify(channel.waitFd(), ARMED, channel.key(), scratch);
        } catch (LinuxException e) {
            detach(channel);
        }
    }

    /** @return the notify threads running now (a held one and its replacement both count) */
    public int notifyThreads() {
        return stuck.threads();
    }

    /** @return how many threads stay with one busy container now */
    public int hotThreadsNow() {
        return hot.now();
    }

    /** @return how many threads may stay with a busy container at once */
    public int hotThreads() {
        return hot.limit();
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
        hot.stop();
        stuck.stop();
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
    }
}
