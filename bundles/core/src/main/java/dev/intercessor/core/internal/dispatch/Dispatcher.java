package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import dev.intercessor.admin.Decision;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.core.internal.keep.InFlight;
import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.HostFacilities;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.record.CallLog;
import dev.intercessor.core.internal.record.CallStats;
import dev.intercessor.core.internal.record.DecidedCall;
import dev.intercessor.core.internal.linux.SeccompNotif;

/**
 * The one dispatch step: takes a received call and decides it. A call on a channel not yet
 * admitted is checked first, the doorbell goes to {@link ListenerHandOver}; otherwise the handler
 * is looked up by (architecture, number) once, the container's policy is asked, and the call is
 * either continued (the fast path) or run by its handler under the watchdog's eye
 * ({@link HandlerCalls}). Every call gets exactly one answer.
 */
public final class Dispatcher {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.dispatch");

    /**
     * While this many notify threads are held for one container by calls the watchdog answered,
     * its handler calls get EAGAIN without a handler, so it cannot take every thread.
     */
    static final int STUCK_PER_CONTAINER = 2;
    /**
     * When a plain "continue" is timed: one in this many of each container's calls (the kernel
     * numbers a filter's notifications one by one), since reading the clock twice would cost more
     * than the rest of our side of the fast path.
     */
    private static final int SAMPLE = 16;
    static final Response CONTINUE = Response.continueSyscall();

    private final HandlerRegistry handlers;
    private final CallLog calls;
    private final AnswerSink sink;
    private final HandlerCalls handlerCalls;
    /** {@link #plainStats}: by architecture ({@link SyscallTable#index}), then slot. */
    private final CallStats[][] plainStats = new CallStats[SyscallTable.all().length][];
    /** The doorbell; null: none (the call is like any other ioctl). */
    private final ListenerHandOver handOver;

    /**
     * @param sink     where answers go: {@link AnswerSink#KERNEL}, or elsewhere to measure this step alone
     * @param handOver the doorbell, or null for none
     * @param host     what the host gives every handler's call (device store, FUSE helper, cgroup mounts)
     */
    public Dispatcher(HandlerRegistry handlers, CallLog calls, AnswerSink sink, ListenerHandOver handOver,
            HostFacilities host) {
        this.handlers = handlers;
        this.calls = calls;
        this.sink = sink;
        this.handOver = handOver;
        this.handlerCalls = new HandlerCalls(handlers, calls, sink, host);
    }

    /** @param journal where the calls being decided are recorded, to be answered after a crash; null: nowhere */
    public void recordInFlight(InFlight journal) {
        handlerCalls.recordInFlight(journal);
    }

    public void setDeferredTimeoutMillis(long millis) {
        handlerCalls.setDeferredTimeoutMillis(millis);
    }

    public void setSlowCallsPerContainer(int calls) {
        handlerCalls.setSlowCallsPerContainer(calls);
    }

    /** Stops the slow handlers' threads (their calls are answered by their timeout). */
    public void close() {
        handlerCalls.close();
    }

    /**
     * Decides one call received on {@code channel}, and answers it (or leaves that to a handler
     * that answers later, which answers exactly once too).
     *
     * @param received {@link System#nanoTime()} when it was received, or 0 if not read yet (a plain
     *                 continue then reads the clock only for its sample)
     * @param seen     what a linger's poll saw of the channel's cached caller handles, or null
     * @return whether the channel is to be let go of: its caller makes a listener of its own
     *         ({@link ListenerHandOver})
     * @throws ServingThread.Abandoned if the watchdog answered the call while its handler held this thread
     */
    boolean serve(ServingThread thread, NotifyChannel channel, SeccompNotif call, long received,
            CallerHandles.Seen seen) {
        if (!channel.admitted()) {
            if (!admit(channel, thread, call)) {
                return false;
            }
        }
        SyscallTable arch = SyscallTable.forCall(call.arch(), call.nr());
        if (handOver != null && ListenerHandOver.rings(arch, call)) {
            return handOver.answer(channel, thread.buffers, call);
        }
        Session session = channel.session();
        HandlerBinding binding = arch == null ? null : handlers.lookup(arch, call.nr());
        if (binding == null || session.kernelOnly() || !session.policy().value(binding.enabled())) {
            continueSyscall(channel, thread, call, arch, received);
            return false;
        }
        long start = received != 0 ? received : System.nanoTime();
        session.received();
        NotificationView view = new NotificationView(call, arch, session.containerId());
        if (session.stuckCalls() >= STUCK_PER_CONTAINER) {
            handlerCalls.refuse(channel, thread.buffers, view, binding, Errno.EAGAIN, start);
            return false;
        }
        thread.watch(channel, call.id(), start);
        try {
            handlerCalls.run(channel, thread.buffers, view, binding, start, seen);
        } finally {
            if (thread.unwatch()) {
                session.stuckCallEnded();
                LOG.log(Level.INFO, () -> Thread.currentThread().getName() + " is free again and ends (container "
                        + session.containerId() + ")");
                throw new ServingThread.Abandoned();
            }
        }
        return false;
    }

    /** The fast path: the kernel runs the call. */
    private void continueSyscall(NotifyChannel channel, ServingThread thread, SeccompNotif call, SyscallTable arch,
            long received) {
        long start = (call.id() & (SAMPLE - 1)) != 0 ? 0 : received != 0 ? received : System.nanoTime();
        channel.continuePlain(sink, thread.buffers, call.id());
        long nanos = start != 0 ? System.nanoTime() - start : -1;
        plainStats(arch, call.nr()).continued(nanos);
        if (calls.following()) {
            String syscall = syscallName(arch, call.nr());
            calls.record(new DecidedCall(System.nanoTime(), channel.session().containerId(), call.pid(),
                    arch == null ? "arch 0x" + Integer.toHexString(call.arch()) : arch.name(), syscall,
                    arch == null ? call.args() : arch.arguments(call.args()), null, null, Decision.CONTINUED, 0, 0,
                    nanos));
        }
    }

    private static String syscallName(SyscallTable arch, int nr) {
        return arch == null ? "syscall_" + nr : arch.callName(nr);
    }

    /**
     * @return where a plain "continue" of call {@code nr} counts: kept by architecture and slot, so
     *         the fast path neither names the call nor hashes the name. Filled as calls come; two
     *         threads may fill a slot (or an architecture's array) at once, which costs only a
     *         second look-up: the call log hands out one {@link CallStats} per name.
     */
    private CallStats plainStats(SyscallTable arch, int nr) {
        int slot = arch == null ? -1 : arch.slot(nr);
        if (slot < 0) {
            return calls.plainStats(syscallName(arch, nr));
        }
        CallStats[] byslot = plainStats[arch.index()];
        if (byslot == null) {
            byslot = new CallStats[arch.size()];
            plainStats[arch.index()] = byslot;
        }
        CallStats stats = byslot[slot];
        if (stats == null) {
            stats = calls.plainStats(arch.callName(nr));
            byslot[slot] = stats;
        }
        return stats;
    }

    /**
     * Whether a call on a channel not admitted yet may be served. A channel handed over without a
     * process (crun exec), or by a container process itself (the doorbell), is the container's
     * once a caller is seen in the container's pid namespace (every later caller descends from
     * it); until then a caller outside gets ENOSYS, as with no supervisor at all.
     */
    private boolean admit(NotifyChannel channel, ServingThread thread, SeccompNotif call) {
        Session session = channel.session();
        // The number is the caller's while its call still waits: check the namespace, then that.
        boolean inContainer = session.init().holds(call.pid());
        if (!Seccomp.idValid(channel.fd(), thread.buffers.resp, call.id())) {
            return false; // gone: nothing to answer, nothing learnt
        }
        if (inContainer) {
            channel.admit();
            return true;
        }
        LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": process " + call.pid()
                + " on a notify fd " + (channel.handedOver() ? "handed over by a container process"
                        : "handed over without a process") + " is not in the container's pid namespace: ENOSYS");
        session.received();
        channel.answer(sink, thread.buffers, call.id(), Response.errno(Errno.ENOSYS));
        return false;
    }
}
