package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.core.internal.linux.CallerIdentity;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.ProcTarget;
import dev.intercessor.core.internal.linux.Seccomp;
import jnr.ffi.Pointer;

/**
 * Decides one received notification: finds its handler, asks the container's policy, runs the
 * handler and sends exactly one answer, whatever the handler does.
 */
public final class Dispatcher {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.dispatch");

    private final HandlerRegistry handlers;
    private final AnswerSink sink;
    private volatile long deferredTimeoutMillis = 120_000;

    public Dispatcher(HandlerRegistry handlers) {
        this(handlers, AnswerSink.KERNEL);
    }

    public Dispatcher(HandlerRegistry handlers, AnswerSink sink) {
        this.handlers = handlers;
        this.sink = sink;
    }

    public void setDeferredTimeoutMillis(long millis) {
        this.deferredTimeoutMillis = millis;
    }

    /**
     * @return the handler that will emulate the notification in {@code buffers.notif}, or
     *         {@code null} if it goes back to the kernel (no handler, or disabled by policy)
     */
    HandlerBinding handlerFor(NotifyChannel channel, Seccomp.Buffers buffers) {
        Pointer n = buffers.notif;
        SyscallTable arch = SyscallTable.forAuditArch(n.getInt(Seccomp.NOTIF_ARCH));
        HandlerBinding binding = arch == null ? null : handlers.lookup(arch, n.getInt(Seccomp.NOTIF_NR));
        if (binding == null || !channel.session().policy().getBoolean(binding.name() + ".enabled",
                binding.enabledByDefault())) {
            return null;
        }
        return binding;
    }

    /** Lets the kernel run the notification in {@code buffers.notif}: the fast path. */
    void continueSyscall(NotifyChannel channel, Seccomp.Buffers buffers) {
        channel.session().seen.increment();
        send(channel, buffers, buffers.notif.getLong(Seccomp.NOTIF_ID), Response.continueSyscall());
    }

    /** Emulates the notification in {@code buffers.notif} with {@code binding}, and answers it. */
    void dispatch(NotifyChannel channel, Seccomp.Buffers buffers, HandlerBinding binding) {
        Pointer n = buffers.notif;
        long id = n.getLong(Seccomp.NOTIF_ID);
        int pid = n.getInt(Seccomp.NOTIF_PID);
        int nr = n.getInt(Seccomp.NOTIF_NR);
        SyscallTable arch = SyscallTable.forAuditArch(n.getInt(Seccomp.NOTIF_ARCH));
        Session session = channel.session();
        session.seen.increment();
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
            args[i] = n.getLong(Seccomp.NOTIF_ARGS + 8L * i);
        }
        NotificationView call = new NotificationView(id, pid, arch, nr,
                n.getLong(Seccomp.NOTIF_IP), args, session.containerId());
        ProcTarget target = new ProcTarget(channel.fd(), id, pid, session.initPid());
        Response response;
        boolean closeTarget = true;
        CallerIdentity.IdentityStuck stuck = null;
        try {
            response = handle(binding, call, target, session);
            if (response.kind() == Response.Kind.LATER) {
                closeTarget = false;
                answerLater(channel, call, binding, target, response);
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
        send(channel, buffers, id, response);
        if (stuck != null) {
            throw stuck;
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
            LOG.log(Level.ERROR, () -> session.containerId() + " " + call.pid() + " " + call.syscall()
                    + ": handler " + binding.name() + " failed", e);
            return Response.errno(Errno.ENOSYS);
        }
    }

    private void answerLater(NotifyChannel channel, NotificationView call, HandlerBinding binding,
            ProcTarget target, Response deferred) {
        if (!channel.acquire()) {
            target.close();
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
                send(channel, new Seccomp.Buffers(), call.id(), answer);
            } finally {
                target.close();
                channel.releaseReference();
            }
        });
    }

    private void send(NotifyChannel channel, Seccomp.Buffers buffers, long id, Response response) {
        Session session = channel.session();
        switch (response.kind()) {
            case CONTINUE: session.continued.increment(); break;
            case ERRNO: session.refused.increment(); break;
            default: session.emulated.increment(); break;
        }
        try {
            sink.answer(channel.fd(), buffers, id, response);
        } catch (LinuxException e) {
            // ENOENT: the caller was killed while we decided. Nothing else is expected here.
            if (e.errno() != Errno.ENOENT) {
                LOG.log(Level.WARNING, () -> session.containerId() + ": cannot answer notification "
                        + id + ": " + e.getMessage());
            }
        }
    }
}
