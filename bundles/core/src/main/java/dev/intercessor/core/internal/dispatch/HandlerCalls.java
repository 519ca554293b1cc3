package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.intercessor.admin.Decision;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.core.internal.keep.InFlight;
import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.CallerIdentity;
import dev.intercessor.core.internal.linux.HostFacilities;
import dev.intercessor.core.internal.linux.ProcTarget;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.record.CallLog;
import dev.intercessor.core.internal.record.DecidedCall;

/**
 * Runs a handler for one call and sends that call's one answer, whatever the handler does: answers,
 * refuses, throws, returns nothing, answers later or never, or its bundle goes away meanwhile.
 * Records the decision after the answer went out (off the caller's path), and journals the call
 * while it is being decided (to be answered after a crash).
 */
final class HandlerCalls {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.dispatch");

    private final HandlerRegistry handlers;
    private final AnswerSink sink;
    private final CallLog calls;
    /** What the host gives every call (device store, FUSE helper, cgroup mounts): the supervisor's. */
    private final HostFacilities host;
    private volatile long deferredTimeoutMillis = 30_000;
    private volatile int slowCallsPerContainer = 4;
    /** Where the calls being decided are recorded, to be answered after a crash; null: nowhere. */
    private volatile InFlight inFlight;
    /**
     * Runs slow handlers ({@link HandlerBinding#slow()}), so a call that waits on something the
     * container controls never holds a notify thread. Grows as needed; bounded by the containers
     * times {@link #slowCallsPerContainer}.
     */
    private final ExecutorService slowCalls = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), new java.util.concurrent.ThreadFactory() {
                private final AtomicInteger count = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    Thread t = new Thread(r, "intercessor-slow-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }
            });

    HandlerCalls(HandlerRegistry handlers, CallLog calls, AnswerSink sink, HostFacilities host) {
        this.host = host;
        this.handlers = handlers;
        this.calls = calls;
        this.sink = sink;
    }

    void recordInFlight(InFlight journal) {
        this.inFlight = journal;
    }

    void setDeferredTimeoutMillis(long millis) {
        this.deferredTimeoutMillis = millis;
    }

    void setSlowCallsPerContainer(int calls) {
        this.slowCallsPerContainer = Math.max(1, calls);
    }

    /** Stops the slow handlers' threads (their calls are answered by their timeout). */
    void close() {
        slowCalls.shutdownNow();
    }

    /**
     * Runs {@code binding}'s handler for {@code call} (a slow one on another thread) and answers.
     *
     * @param received {@link System#nanoTime()} when it was received
     * @param seen     what a linger's poll saw of the channel's cached caller handles, or null
     */
    void run(NotifyChannel channel, Seccomp.Buffers buffers, NotificationView call, HandlerBinding binding,
            long received, CallerHandles.Seen seen) {
        // A slow handler runs on another thread, later: `seen` belongs to this one.
        ProcTarget target = target(channel, call, channel.callers(), binding.slow() ? null : seen);
        int slot = begin(channel, call.id());
        if (binding.slow()) {
            runSlow(channel, buffers, call, binding, target, received, slot);
            return;
        }
        Response response;
        boolean closeTarget = true;
        CallerIdentity.IdentityStuck stuck = null;
        try {
            response = handle(binding, call, target, channel.session());
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
        answer(channel, buffers, call, binding, target, response, received, slot);
        if (stuck != null) {
            throw stuck;
        }
    }

    /** Answers a call for {@code binding} with {@code errno} without running the handler. */
    void refuse(NotifyChannel channel, Seccomp.Buffers buffers, NotificationView call, HandlerBinding binding,
            int errno, long received) {
        ProcTarget nothingRead = target(channel, call, null, null);
        try {
            answer(channel, buffers, call, binding, nothingRead, Response.errno(errno), received, -1);
        } finally {
            nothingRead.close();
        }
    }

    /** The one answer, then the journal slot ends and the decision is recorded. */
    private void answer(NotifyChannel channel, Seccomp.Buffers buffers, NotificationView call, HandlerBinding binding,
            ProcTarget target, Response response, long received, int slot) {
        long injected = channel.answer(sink, buffers, call.id(), response);
        end(slot);
        record(call, binding, target, response, injected, received);
    }

    /**
     * @return the target for a call on {@code channel}: on the channel's notify fd, or for a relayed
     *         call on a duplicate of its own listener's, which the target closes
     */
    private ProcTarget target(NotifyChannel channel, NotificationView call, CallerHandles.Cache cache,
            CallerHandles.Seen seen) {
        if (channel.relay() == null) {
            return new ProcTarget(host, channel.fd(), call.id(), call.pid(), channel.session().init(), cache, seen);
        }
        return new ProcTarget(host, channel.relay().duplicateNotifyFd(), call.id(), call.pid(), channel.session().init(),
                cache, seen).closingNotifyFd();
    }

    private Response handle(HandlerBinding binding, NotificationView call, ProcTarget target, Session session) {
        try {
            Response response = binding.handler().handle(call, target, session.policy());
            if (response == null) {
                LOG.log(Level.WARNING, () -> call.containerId() + " " + call.pid() + " "
                        + call.syscall() + ": handler " + binding.name() + " returned no answer");
                return Response.errno(Errno.ENOSYS);
            }
            return response;
        } catch (SyscallException e) {
            LOG.log(Level.INFO, () -> call.containerId() + " " + call.pid() + " " + call.syscall()
                    + " refused by " + binding.name() + ": " + e.getMessage());
            return Response.errno(e.errno());
        } catch (CallerIdentity.IdentityStuck e) {
            throw e;
        } catch (Throwable e) {
            // Whatever the handler did (even an Error), the call gets its answer.
            if (!handlers.contains(binding)) {
                // Its bundle went away during the call (stopped, updated, uninstalled): the kernel
                // runs it, as it will the next one.
                LOG.log(Level.INFO, () -> call.containerId() + " " + call.pid() + " " + call.syscall()
                        + ": handler " + binding.name() + " went away during the call (" + e
                        + "); the kernel runs it");
                return Response.continueSyscall();
            }
            LOG.log(Level.ERROR, () -> call.containerId() + " " + call.pid() + " " + call.syscall()
                    + ": handler " + binding.name() + " failed", e);
            return Response.errno(Errno.ENOSYS);
        }
    }

    /**
     * Runs a slow handler on its own thread, at most {@link #slowCallsPerContainer} calls of one
     * container at a time (beyond that: EAGAIN), and answers when it is done or after the timeout,
     * whichever comes first. The target is closed only when the handler has returned.
     */
    private void runSlow(NotifyChannel channel, Seccomp.Buffers buffers, NotificationView call,
            HandlerBinding binding, ProcTarget target, long received, int slot) {
        Session session = channel.session();
        if (!session.startSlowCall(slowCallsPerContainer)) {
            target.close();
            LOG.log(Level.WARNING, () -> call.containerId() + " " + call.pid() + " " + call.syscall() + ": "
                    + slowCallsPerContainer + " slow calls of this container are running already: EAGAIN");
            answer(channel, buffers, call, binding, target, Response.errno(Errno.EAGAIN), received, slot);
            return;
        }
        if (!channel.acquire()) { // closed meanwhile: nothing to answer on
            session.endSlowCall();
            target.close();
            end(slot);
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
                session.endSlowCall();
                channel.releaseReference();
            }
        };
        try {
            slowCalls.execute(task);
        } catch (RejectedExecutionException e) { // shutting down
            target.close();
            session.endSlowCall();
            channel.releaseReference();
            answer.complete(Response.errno(Errno.ENOSYS));
        }
        answerLater(channel, call, binding, target, Response.later(answer), received, false, slot);
    }

    /**
     * Answers a deferred response when it completes, or EINTR at the timeout.
     *
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
                answer(channel, new Seccomp.Buffers(), call, binding, target, completed(call, binding, response, failure),
                        received, slot);
            } finally {
                if (closeTarget) {
                    target.close();
                }
                channel.releaseReference();
            }
        });
    }

    /** @return the answer a deferred response completed with */
    private static Response completed(NotificationView call, HandlerBinding binding, Response response,
            Throwable failure) {
        if (failure == null) {
            return response == null || response.kind() == Response.Kind.LATER ? Response.errno(Errno.ENOSYS) : response;
        }
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof SyscallException refused) {
            return Response.errno(refused.errno());
        }
        if (cause instanceof TimeoutException) {
            LOG.log(Level.WARNING, () -> call.containerId() + " " + call.pid() + " " + call.syscall() + ": "
                    + binding.name() + " did not answer in time");
            return Response.errno(Errno.EINTR);
        }
        LOG.log(Level.ERROR, () -> call.containerId() + " " + call.pid() + " " + call.syscall() + ": handler "
                + binding.name() + " failed", cause);
        return Response.errno(Errno.ENOSYS);
    }

    /** Records a handler's decision, after the answer went out (so off the caller's path). */
    private void record(NotificationView call, HandlerBinding binding, ProcTarget target, Response response,
            long injected, long received) {
        long nanos = System.nanoTime() - received;
        Decision decision = switch (response.kind()) {
            case CONTINUE -> Decision.CONTINUED;
            case ERRNO -> Decision.REFUSED;
            default -> Decision.EMULATED;
        };
        int errno = response.kind() == Response.Kind.ERRNO ? response.errno() : 0;
        long value = switch (response.kind()) {
            case INJECT_FD -> injected;
            case VALUE -> response.value();
            default -> 0;
        };
        try {
            calls.record(new DecidedCall(received + nanos, call.containerId(), call.pid(), call.arch(), call.syscall(),
                    call.args(), target.reads(), binding.name(), decision, errno, value, nanos));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot record a decision", e);
        }
    }

    /** @return the journal slot of a handler's call on a kept channel, or -1 */
    private int begin(NotifyChannel channel, long id) {
        InFlight journal = inFlight;
        long key = channel.keptAs();
        return journal == null || key == 0 ? -1 : journal.begin(key, id);
    }

    private void end(int slot) {
        InFlight journal = inFlight;
        if (journal != null && slot >= 0) {
            journal.end(slot);
        }
    }
}
