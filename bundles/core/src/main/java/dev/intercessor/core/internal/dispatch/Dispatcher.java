package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.Decision;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.core.internal.keep.InFlight;
import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.CallerIdentity;
import dev.intercessor.core.internal.linux.HostFacilities;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.ProcTarget;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.policy.OptionCatalog;
import dev.intercessor.core.internal.record.CallFormat;
import dev.intercessor.core.internal.record.CallLog;
import jnr.ffi.Pointer;

/**
 * Decides one received notification: finds its handler, asks the container's policy, runs the
 * handler and sends exactly one answer, whatever the handler does.
 */
public final class Dispatcher {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.dispatch");

    private final HandlerRegistry handlers;
    private final AnswerSink sink;
    private final CallLog calls;
    private volatile long deferredTimeoutMillis = 30_000;
    private volatile int slowCallsPerContainer = 4;
    /**
     * Runs slow handlers ({@link HandlerBinding#slow()}), so a call that waits on something the
     * container controls never holds a notify thread. Grows as needed; bounded by the containers
     * times {@link #slowCallsPerContainer}.
     */
    private final ExecutorService slowCalls = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), new ThreadFactory() {
                private final AtomicInteger count = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    Thread t = new Thread(r, "intercessor-slow-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }
            });

    /** What the host gives every call (device store, FUSE helper, cgroup mounts): the supervisor's. */
    private final HostFacilities host;

    public Dispatcher(HandlerRegistry handlers, CallLog calls) {
        this(handlers, calls, AnswerSink.KERNEL);
    }

    public Dispatcher(HandlerRegistry handlers, CallLog calls, HostFacilities host) {
        this(handlers, calls, AnswerSink.KERNEL, host);
    }

    public Dispatcher(HandlerRegistry handlers, CallLog calls, AnswerSink sink) {
        this(handlers, calls, sink, new HostFacilities());
    }

    public Dispatcher(HandlerRegistry handlers, CallLog calls, AnswerSink sink, HostFacilities host) {
        this.handlers = handlers;
        this.calls = calls;
        this.sink = sink;
        this.host = host;
    }

    /** Where the calls being decided are recorded, to be answered after a crash; null: nowhere. */
    private volatile InFlight inFlight;

    public void recordInFlight(InFlight journal) {
        this.inFlight = journal;
    }

    /** @return the journal slot of a handler's call on a kept channel, or -1 */
    private int begin(NotifyChannel channel, long id) {
        InFlight journal = inFlight;
        long key = channel.keptAs();
        return journal == null || key == 0 ? -1 : journal.begin(key, id);
    }

    private void end(int slot) {
        InFlight journal = inFlight;
        if (journal != null) {
            journal.end(slot);
        }
    }

    public void setDeferredTimeoutMillis(long millis) {
        this.deferredTimeoutMillis = millis;
    }

    public void setSlowCallsPerContainer(int calls) {
        this.slowCallsPerContainer = Math.max(1, calls);
    }

    /** Stops the slow handlers' threads (their calls are answered by their timeout). */
    public void close() {
        slowCalls.shutdownNow();
    }

    /** @return the options of the registered handlers, which policies hold values to */
    public OptionCatalog options() {
        return handlers.options();
    }

    /**
     * @return the handler that will emulate the notification in {@code buffers.notif}, or
     *         {@code null} if it goes back to the kernel (no handler, or disabled by policy)
     */
    HandlerBinding handlerFor(NotifyChannel channel, Seccomp.Buffers buffers) {
        Pointer n = buffers.notif;
        int nr = n.getInt(Seccomp.NOTIF_NR);
        SyscallTable arch = SyscallTable.forCall(n.getInt(Seccomp.NOTIF_ARCH), nr);
        HandlerBinding binding = arch == null ? null : handlers.lookup(arch, nr);
        if (binding == null || channel.session().kernelOnly()
                || !channel.session().policy().value(binding.enabled())) {
            return null;
        }
        return binding;
    }

    /**
     * When a plain "continue" is timed: one in {@value #SAMPLE} of each container's calls (the
     * kernel numbers a filter's notifications one by one), since reading the clock twice would cost
     * more than the rest of our side of the fast path.
     *
     * @param now {@link System#nanoTime()} if the caller read it already, else 0
     * @return when the notification in {@code buffers.notif} was received, or 0: not timed
     */
    static long sampledStart(Seccomp.Buffers buffers, long now) {
        if ((buffers.notif.getLong(Seccomp.NOTIF_ID) & (SAMPLE - 1)) != 0) {
            return 0;
        }
        return now != 0 ? now : System.nanoTime();
    }

    private static final int SAMPLE = 16;

    /**
     * Lets the kernel run the notification in {@code buffers.notif}: the fast path.
     *
     * @param received {@link System#nanoTime()} when it was received, 0 if it is not timed
     *                 ({@link #sampledStart})
     */
    void continueSyscall(NotifyChannel channel, Seccomp.Buffers buffers, long received) {
        Session session = channel.session();
        session.seen.increment();
        Pointer n = buffers.notif;
        send(channel, buffers, n.getLong(Seccomp.NOTIF_ID), Response.continueSyscall());
        boolean following = calls.following();
        long nanos = received != 0 ? System.nanoTime() - received : -1;
        int nr = n.getInt(Seccomp.NOTIF_NR);
        SyscallTable arch = SyscallTable.forCall(n.getInt(Seccomp.NOTIF_ARCH), nr);
        String syscall = arch == null ? "syscall_" + nr : arch.callName(nr);
        calls.plainContinue(syscall, nanos);
        if (following) {
            long[] registers = registers(n);
            calls.record(new CallRecord(Instant.now(), session.containerId(), n.getInt(Seccomp.NOTIF_PID),
                    arch == null ? "arch 0x" + Integer.toHexString(n.getInt(Seccomp.NOTIF_ARCH)) : arch.name(),
                    syscall, CallFormat.arguments(syscall, arch == null ? registers : arch.arguments(registers), null),
                    null, Decision.CONTINUED, 0, "", 0, nanos));
        }
    }

    /** Only for a call a handler serves: its architecture is known. */
    private static NotificationView view(Pointer n, Session session) {
        int nr = n.getInt(Seccomp.NOTIF_NR);
        SyscallTable arch = SyscallTable.forCall(n.getInt(Seccomp.NOTIF_ARCH), nr);
        return new NotificationView(n.getLong(Seccomp.NOTIF_ID), n.getInt(Seccomp.NOTIF_PID), arch,
                nr, n.getLong(Seccomp.NOTIF_IP), registers(n), session.containerId());
    }

    private static long[] registers(Pointer notif) {
        long[] registers = new long[6];
        for (int i = 0; i < 6; i++) {
            registers[i] = notif.getLong(Seccomp.NOTIF_ARGS + 8L * i);
        }
        return registers;
    }

    /**
     * Emulates the notification in {@code buffers.notif} with {@code binding}, and answers it.
     *
     * @param received {@link System#nanoTime()} when it was received
     */
    void dispatch(NotifyChannel channel, Seccomp.Buffers buffers, HandlerBinding binding, long received,
            CallerHandles.Seen seen) {
        Pointer n = buffers.notif;
        Session session = channel.session();
        session.seen.increment();
        NotificationView call = view(n, session);
        long id = call.id();
        // A slow handler runs on another thread, later: `seen` belongs to this one.
        ProcTarget target = target(channel, id, call.pid(), channel.callers(), binding.slow() ? null : seen);
        int slot = begin(channel, id);
        if (binding.slow()) {
            dispatchSlow(channel, buffers, call, binding, target, received, slot);
            return;
        }
        Response response;
        boolean closeTarget = true;
        CallerIdentity.IdentityStuck stuck = null;
        try {
            response = handle(binding, call, target, session);
            if (response.kind() == Response.Kind.LATER) {
                closeTarget = false;
                answerLater(channel, call, binding, target, response, received, true, slot);
                return;
            }
        } catch (CallerIdentity.IdentityStuck e) {
            // The thread could not give the caller's identity back and will end; the call still
            // gets its answer (the ioctl works whatever the thread's identity).
            stuck = e;
            response = Response.errno(Errno.ENOSYS);
        } finally {
            if (closeTarget) {
                target.close();
            }
        }
        long injected = send(channel, buffers, id, response);
        end(slot);
        record(call, binding, target, response, injected, received);
        if (stuck != null) {
            throw stuck;
        }
    }

    /** Answers a call for {@code binding} with {@code errno} without running the handler. */
    void refuse(NotifyChannel channel, Seccomp.Buffers buffers, HandlerBinding binding, int errno, long received) {
        Pointer n = buffers.notif;
        Session session = channel.session();
        session.seen.increment();
        NotificationView call = view(n, session);
        ProcTarget nothingRead = target(channel, call.id(), call.pid(), null, null);
        Response refused = Response.errno(errno);
        try {
            record(call, binding, nothingRead, refused, send(channel, buffers, call.id(), refused), received);
        } finally {
            nothingRead.close();
        }
    }

    /**
     * @return the target for a call on {@code channel}: on the channel's notify fd, or for a relayed
     *         call on a duplicate of its own listener's, which the target closes
     */
    private ProcTarget target(NotifyChannel channel, long id, int pid, CallerHandles.Cache cache,
            CallerHandles.Seen seen) {
        if (channel.relay() == null) {
            return new ProcTarget(host, channel.fd(), id, pid, channel.session().init(), cache, seen);
        }
        return new ProcTarget(host, channel.relay().duplicateNotifyFd(), id, pid, channel.session().init(), cache,
                seen).closingNotifyFd();
    }

    /** Records a handler's decision, after the answer went out (so off the caller's path). */
    private void record(NotificationView call, HandlerBinding binding, ProcTarget target,
            Response response, long injected, long received) {
        long nanos = System.nanoTime() - received;
        Decision decision;
        int errno = 0;
        long value = 0;
        switch (response.kind()) {
            case CONTINUE -> decision = Decision.CONTINUED;
            case ERRNO -> {
                decision = Decision.REFUSED;
                errno = response.errno();
            }
            case INJECT_FD -> {
                decision = Decision.EMULATED;
                value = injected;
            }
            default -> {
                decision = Decision.EMULATED;
                value = response.value();
            }
        }
        try {
            calls.record(new CallRecord(Instant.now(), call.containerId(), call.pid(), call.arch(),
                    call.syscall(), CallFormat.arguments(call.syscall(), call.args(), target::readAt),
                    binding.name(), decision, errno, errno == 0 ? "" : Errno.name(errno), value, nanos));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot record a decision", e);
        }
    }
    private Response handle(HandlerBinding binding, NotificationView call, ProcTarget target,
            Session session) {
        try {
            Response response = binding.handler().handle(call, target, session.policy());
            if (response == null) {
                LOG.log(Level.WARNING, () -> session.containerId() + " " + call.pid() + " "
                        + call.syscall() + ": handler " + binding.name() + " returned no answer");
                return Response.errno(Errno.ENOSYS);
            }
            return response;
        } catch (SyscallException e) {
            LOG.log(Level.INFO, () -> session.containerId() + " " + call.pid() + " " + call.syscall()
                    + " refused by " + binding.name() + ": " + e.getMessage());
            return Response.errno(e.errno());
        } catch (CallerIdentity.IdentityStuck e) {
            throw e;
        } catch (Throwable e) {
            // Whatever the handler did (even an Error), the call gets its answer.
            if (!handlers.contains(binding)) {
                // Its bundle went away during the call (stopped, updated, uninstalled): the kernel
                // runs it, as it will the next one.
                LOG.log(Level.INFO, () -> session.containerId() + " " + call.pid() + " " + call.syscall()
                        + ": handler " + binding.name() + " went away during the call (" + e
                        + "); the kernel runs it");
                return Response.continueSyscall();
            }
            LOG.log(Level.ERROR, () -> session.containerId() + " " + call.pid() + " " + call.syscall()
                    + ": handler " + binding.name() + " failed", e);
            return Response.errno(Errno.ENOSYS);
        }
    }

    /**
     * Runs a slow handler on its own thread, at most {@link #slowCallsPerContainer} calls of one
     * container at a time (beyond that: EAGAIN), and answers when it is done or after the timeout,
     * whichever comes first. The target is closed only when the handler has returned.
     */
    private void dispatchSlow(NotifyChannel channel, Seccomp.Buffers buffers, NotificationView call,
            HandlerBinding binding, ProcTarget target, long received, int slot) {
        Session session = channel.session();
        if (session.slowCalls.incrementAndGet() > slowCallsPerContainer || !channel.acquire()) {
            session.slowCalls.decrementAndGet();
            target.close();
            LOG.log(Level.WARNING, () -> session.containerId() + " " + call.pid() + " " + call.syscall() + ": "
                    + slowCallsPerContainer + " slow calls of this container are running already: EAGAIN");
            Response busy = Response.errno(Errno.EAGAIN);
            long sent = send(channel, buffers, call.id(), busy);
            end(slot);
            record(call, binding, target, busy, sent, received);
            return;
        }
        CompletableFuture<Response> answer = new CompletableFuture<>();
        Runnable task = () -> {
            try {
                answer.complete(handle(binding, call, target, session));
            } catch (CallerIdentity.IdentityStuck e) {
                answer.complete(Response.errno(Errno.ENOSYS));
                throw e; // the thread ends; the pool makes another
            } finally {
                target.close();
                session.slowCalls.decrementAndGet();
                channel.releaseReference();
            }
        };
        try {
            slowCalls.execute(task);
        } catch (RejectedExecutionException e) { // shutting down
            target.close();
            session.slowCalls.decrementAndGet();
            channel.releaseReference();
            answer.complete(Response.errno(Errno.ENOSYS));
        }
        answerLater(channel, call, binding, target, Response.later(answer), received, false, slot);
    }

    /**
     * @param closeTarget whether the target is closed once answered (else its user closes it)
     * @param slot        its in-flight journal slot, ended once answered
     */
    private void answerLater(NotifyChannel channel, NotificationView call, HandlerBinding binding,
            ProcTarget target, Response deferred, long received, boolean closeTarget, int slot) {
        if (!channel.acquire()) {
            if (closeTarget) {
                target.close();
            }
            end(slot);
            return;
        }
        CompletableFuture<Response> future = deferred.deferred().toCompletableFuture()
                .orTimeout(deferredTimeoutMillis, TimeUnit.MILLISECONDS);
        future.whenComplete((response, failure) -> {
            try {
                Response answer = response;
                if (failure != null) {
                    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                    if (cause instanceof SyscallException) {
                        answer = Response.errno(((SyscallException) cause).errno());
                    } else if (cause instanceof TimeoutException) {
                        LOG.log(Level.WARNING, () -> call.containerId() + " " + call.pid() + " "
                                + call.syscall() + ": " + binding.name() + " did not answer in time");
                        answer = Response.errno(Errno.EINTR);
                    } else {
                        LOG.log(Level.ERROR, () -> call.containerId() + " " + call.pid() + " "
                                + call.syscall() + ": handler " + binding.name() + " failed", cause);
                        answer = Response.errno(Errno.ENOSYS);
                    }
                } else if (answer == null || answer.kind() == Response.Kind.LATER) {
                    answer = Response.errno(Errno.ENOSYS);
                }
                long injected = send(channel, new Seccomp.Buffers(), call.id(), answer);
                end(slot);
                record(call, binding, target, answer, injected, received);
            } finally {
                if (closeTarget) {
                    target.close();
                }
                channel.releaseReference();
            }
        });
    }

    /** @return for an injected fd the caller's new descriptor, else 0 */
    private long send(NotifyChannel channel, Seccomp.Buffers buffers, long id, Response response) {
        Session session = channel.session();
        switch (response.kind()) {
            case CONTINUE: session.continued.increment(); break;
            case ERRNO: session.refused.increment(); break;
            default: session.emulated.increment(); break;
        }
        try {
            return channel.answers(sink).answer(channel.fd(), buffers, id, response);
        } catch (LinuxException e) {
            // ENOENT: the caller was killed while we decided. Nothing else is expected here.
            if (e.errno() != Errno.ENOENT) {
                LOG.log(Level.WARNING, () -> session.containerId() + ": cannot answer notification "
                        + id + ": " + e.getMessage());
            }
            return -1;
        }
    }
}
