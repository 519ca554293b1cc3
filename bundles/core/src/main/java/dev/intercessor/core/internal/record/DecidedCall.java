package dev.intercessor.core.internal.record;

import java.time.Instant;
import java.util.function.LongFunction;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.Decision;
import dev.intercessor.api.Errno;
import dev.intercessor.core.internal.linux.ProcTarget.MemoryRead;

/**
 * A decided call as the notify thread leaves it: the raw registers, what the handler read, and
 * the monotonic time it was answered. The {@link CallRecord} (wall-clock time, strace-like
 * arguments) is made only when someone reads it: the trace, the recent list, the audit log's
 * writer. Most calls are never looked at one by one, and formatting them cost the caller's CPU.
 */
public final class DecidedCall {

    private final long answeredNanos;
    private final String containerId;
    private final int pid;
    private final String arch;
    private final String syscall;
    private final long[] args;
    private final LongFunction<MemoryRead> reads;
    private final String handler;
    private final Decision decision;
    private final int errno;
    private final long value;
    private final long nanos;
    private volatile CallRecord record;

    /**
     * @param answeredNanos {@link System#nanoTime()} when it was answered
     * @param args          the argument registers (not copied: not to be changed afterwards)
     * @param reads         what the handler read of the caller's memory, by address; null: nothing
     * @param handler       the handler that decided, or null for a plain "continue"
     * @param nanos         from receiving to answering; -1 if not timed
     */
    public DecidedCall(long answeredNanos, String containerId, int pid, String arch, String syscall, long[] args,
            LongFunction<MemoryRead> reads, String handler, Decision decision, int errno, long value, long nanos) {
        this.answeredNanos = answeredNanos;
        this.containerId = containerId;
        this.pid = pid;
        this.arch = arch;
        this.syscall = syscall;
        this.args = args;
        this.reads = reads;
        this.handler = handler;
        this.decision = decision;
        this.errno = errno;
        this.value = value;
        this.nanos = nanos;
    }

    public long answeredNanos() {
        return answeredNanos;
    }

    public String containerId() {
        return containerId;
    }

    public String syscall() {
        return syscall;
    }

    public String handler() {
        return handler;
    }

    public Decision decision() {
        return decision;
    }

    public long nanos() {
        return nanos;
    }

    /** @return the call as the admin API shows it, made on first use (its time then fixed) */
    public CallRecord record() {
        CallRecord r = record;
        if (r == null) {
            r = new CallRecord(wallClock(answeredNanos), containerId, pid, arch, syscall,
                    CallFormat.arguments(syscall, args, reads), handler, decision, errno,
                    errno == 0 ? "" : Errno.name(errno), value, nanos);
            record = r; // two readers at once make equal records: either may stay
        }
        return r;
    }

    /**
     * @return the wall-clock time of {@code nanoTime}: now, less the monotonic time since (a clock
     *         step between then and now moves it; records are read within ms, or for the recent
     *         list when asked)
     */
    public static Instant wallClock(long nanoTime) {
        Instant now = Instant.now();
        return now.minusNanos(System.nanoTime() - nanoTime);
    }
}
