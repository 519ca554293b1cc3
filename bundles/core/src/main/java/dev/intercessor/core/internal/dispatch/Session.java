package dev.intercessor.core.internal.dispatch;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import dev.intercessor.api.Response;
import dev.intercessor.core.internal.linux.ContainerInit;
import dev.intercessor.core.internal.policy.ContainerPolicy;

/** One attached container: its notify fds, policy and counters. */
public final class Session {

    private final String containerId;
    private final String runtimeVersion;
    private final ContainerPolicy policy;
    private final ContainerInit init;
    private final Instant attachedSince = Instant.now();
    private final List<NotifyChannel> channels = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean prepared = new java.util.concurrent.atomic.AtomicBoolean();

    private final LongAdder seen = new LongAdder();
    private final LongAdder emulated = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder continued = new LongAdder();
    /** Plain continues, most calls: received and answered at once, so counted once. */
    private final LongAdder plainContinues = new LongAdder();
    /** Slow handlers' calls of this container running now. */
    private final AtomicInteger slowCalls = new AtomicInteger();
    /** Notify threads held by a call of this container that the watchdog answered. */
    private final AtomicInteger stuckCalls = new AtomicInteger();

    Session(String containerId, String runtimeVersion, ContainerInit init, ContainerPolicy policy) {
        this.init = init;
        this.containerId = containerId;
        this.runtimeVersion = runtimeVersion;
        this.policy = policy;
    }

    public String containerId() {
        return containerId;
    }

    public String runtimeVersion() {
        return runtimeVersion;
    }

    /** @return the host pid of the container's init, as the runtime first reported it */
    public int initPid() {
        return init.pid();
    }

    /** @return the container's init, as it was when the container attached */
    public ContainerInit init() {
        return init;
    }

    /**
     * @return whether every call goes to the kernel: a container in the host's user namespace is
     *         privileged already, and no handler's checks mean anything for it
     */
    public boolean kernelOnly() {
        return init.inHostUserNamespace();
    }

    public ContainerPolicy policy() {
        return policy;
    }

    public Instant attachedSince() {
        return attachedSince;
    }

    public List<NotifyChannel> channels() {
        return List.copyOf(channels);
    }

    /** @return true once: for the first notify fd of this container, before it is served */
    boolean firstAttach() {
        return prepared.compareAndSet(false, true);
    }

    void add(NotifyChannel channel) {
        channels.add(channel);
    }

    /** Listeners handed over by the container's processes: served, or on their way ({@link ListenerHandOver}). */
    private int handOvers;
    /** Of those, not yet served: they hold the session while its last channel may be gone. */
    private int pendingHandOvers;

    /** @return whether no channel and no hand-over is left */
    synchronized boolean remove(NotifyChannel channel) {
        if (channels.remove(channel) && channel.handedOver()) {
            handOvers--;
        }
        return channels.isEmpty() && pendingHandOvers == 0;
    }

    /** @return false if {@code limit} listeners are handed over already */
    synchronized boolean reserveHandOver(int limit) {
        if (handOvers >= limit) {
            return false;
        }
        handOvers++;
        pendingHandOvers++;
        return true;
    }

    /**
     * @param served whether the listener is now a channel of this session
     * @return whether no channel and no hand-over is left
     */
    synchronized boolean endHandOver(boolean served) {
        pendingHandOvers--;
        if (!served) {
            handOvers--;
        }
        return channels.isEmpty() && pendingHandOvers == 0;
    }

    /** Counts a call received (before it is decided). */
    void received() {
        seen.increment();
    }

    /** Counts a plain continue: a call received and answered "continue" without a handler. */
    void plainContinue() {
        plainContinues.increment();
    }

    /** Counts the answer a call got. */
    void answered(Response.Kind kind) {
        switch (kind) {
            case CONTINUE -> continued.increment();
            case ERRNO -> refused.increment();
            default -> emulated.increment();
        }
    }

    /** @return false if {@code limit} slow calls of this container run already (then nothing is counted) */
    boolean startSlowCall(int limit) {
        if (slowCalls.incrementAndGet() > limit) {
            slowCalls.decrementAndGet();
            return false;
        }
        return true;
    }

    void endSlowCall() {
        slowCalls.decrementAndGet();
    }

    /** @return how many notify threads a call of this container holds after the watchdog answered it */
    int stuckCalls() {
        return stuckCalls.get();
    }

    void stuckCallStarted() {
        stuckCalls.incrementAndGet();
    }

    void stuckCallEnded() {
        stuckCalls.decrementAndGet();
    }

    public long seen() {
        return seen.sum() + plainContinues.sum();
    }

    public long emulated() {
        return emulated.sum();
    }

    public long refused() {
        return refused.sum();
    }

    public long continued() {
        return continued.sum() + plainContinues.sum();
    }
}
