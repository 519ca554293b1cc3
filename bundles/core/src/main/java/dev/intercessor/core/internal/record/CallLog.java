package dev.intercessor.core.internal.record;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.Decision;
import dev.intercessor.admin.SyscallStats;

/**
 * What the supervisor decided: statistics per (handler, syscall), the recent decisions (every call
 * a handler saw; plain "continue"s only while someone follows), live followers, and the audit
 * sink. Recording a plain "continue" costs a few counter updates and no allocation.
 */
public final class CallLog {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.calls");
    private static final int RECENT = 4096;

    /** Plain "continue" stats by syscall name (one entry per name however many arches). */
    private final ConcurrentHashMap<String, CallStats> plain = new ConcurrentHashMap<>();
    /** handler name → syscall name → stats */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, CallStats>> byHandler =
            new ConcurrentHashMap<>();
    private final AtomicReferenceArray<DecidedCall> recent = new AtomicReferenceArray<>(RECENT);
    private final AtomicLong recorded = new AtomicLong();
    private final List<Follower> followers = new CopyOnWriteArrayList<>();
    private volatile boolean following;
    private volatile Consumer<DecidedCall> audit;

    private record Follower(String containerId, Consumer<CallRecord> listener) {
    }

    /**
     * @return where the plain "continue"s of {@code syscall} count ({@link CallStats#continued}):
     *         the same for every caller, for the dispatcher to look up once and keep
     */
    public CallStats plainStats(String syscall) {
        CallStats stats = plain.get(syscall);
        return stats != null ? stats : plain.computeIfAbsent(syscall, s -> new CallStats(null, s));
    }

    /** @return whether someone follows the calls live, so plain "continue"s need a record too */
    public boolean following() {
        return following;
    }

    /**
     * Records a decided call: statistics (unless it is a plain "continue", counted already), the
     * recent list, the followers, and the audit log when a handler emulated or refused it. Only a
     * follower makes it into a {@link CallRecord} here; the others keep it raw.
     */
    public void record(DecidedCall call) {
        if (call.handler() != null) {
            ConcurrentHashMap<String, CallStats> handler = byHandler.get(call.handler());
            if (handler == null) {
                handler = byHandler.computeIfAbsent(call.handler(), h -> new ConcurrentHashMap<>());
            }
            CallStats stats = handler.get(call.syscall());
            if (stats == null) {
                stats = handler.computeIfAbsent(call.syscall(), s -> new CallStats(call.handler(), s));
            }
            stats.record(call.nanos(), call.decision() == Decision.REFUSED, call.decision() == Decision.CONTINUED);
            recent.set((int) (recorded.getAndIncrement() % RECENT), call);
            Consumer<DecidedCall> a = audit;
            if (a != null && call.decision() != Decision.CONTINUED) {
                a.accept(call);
            }
        }
        if (following) {
            for (Follower f : followers) {
                if (f.containerId() == null || f.containerId().equals(call.containerId())) {
                    try {
                        f.listener().accept(call.record());
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "a trace follower failed; it no longer follows", e);
                        unfollow(f);
                    }
                }
            }
        }
    }

    /** @return the newest {@code max} records of {@code containerId} (all if null), oldest first */
    public List<CallRecord> recent(String containerId, int max) {
        List<CallRecord> out = new ArrayList<>();
        long newest = recorded.get();
        for (long i = newest - 1; i >= 0 && i >= newest - RECENT && out.size() < max; i--) {
            DecidedCall r = recent.get((int) (i % RECENT));
            if (r != null && (containerId == null || containerId.equals(r.containerId()))) {
                out.add(r.record());
            }
        }
        Collections.reverse(out);
        return out;
    }

    public synchronized AutoCloseable follow(String containerId, Consumer<CallRecord> listener) {
        Follower f = new Follower(containerId, listener);
        followers.add(f);
        following = true;
        return () -> unfollow(f);
    }

    private synchronized void unfollow(Follower f) {
        followers.remove(f);
        following = !followers.isEmpty();
    }

    /** Sets where emulated and refused calls go besides the recent list ({@code null}: nowhere). */
    public void setAudit(Consumer<DecidedCall> audit) {
        this.audit = audit;
    }

    /** @return the counters of every (handler, syscall) pair, plain "continue"s (handler null) first */
    public List<dev.intercessor.admin.CallMetrics> metrics() {
        List<dev.intercessor.admin.CallMetrics> out = new ArrayList<>();
        plain.values().forEach(s -> out.add(s.metrics()));
        byHandler.values().forEach(m -> m.values().forEach(s -> out.add(s.metrics())));
        return out;
    }

    /** @return the statistics, plain "continue"s first, then by handler and syscall */
    public List<SyscallStats> stats() {
        List<SyscallStats> out = new ArrayList<>();
        plain.values().stream().map(CallStats::snapshot)
                .sorted(java.util.Comparator.comparing(SyscallStats::syscall)).forEach(out::add);
        byHandler.values().stream().flatMap(m -> m.values().stream()).map(CallStats::snapshot)
                .sorted(java.util.Comparator.comparing(SyscallStats::handler)
                        .thenComparing(SyscallStats::syscall))
                .forEach(out::add);
        return out;
    }
}
