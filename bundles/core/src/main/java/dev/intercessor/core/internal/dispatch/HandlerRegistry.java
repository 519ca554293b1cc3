package dev.intercessor.core.internal.dispatch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The handlers known, keyed by (architecture, syscall number). Lookups read an immutable snapshot
 * (no lock on the notification path); changes rebuild it.
 */
public final class HandlerRegistry {

    /** A handler that is registered but serves nothing, and why. */
    public record Rejection(HandlerBinding binding, String reason) {
    }

    private final Map<Long, HandlerBinding> bindings = new LinkedHashMap<>();
    private volatile HandlerBinding[][] byArch = new HandlerBinding[SyscallTable.all().length][];
    private volatile List<Rejection> rejections = List.of();

    public HandlerRegistry() {
        rebuild();
    }

    public synchronized void add(HandlerBinding binding) {
        bindings.put(binding.serviceId(), binding);
        rebuild();
    }

    public synchronized void remove(long serviceId) {
        if (bindings.remove(serviceId) != null) {
            rebuild();
        }
    }

    /** @return the handler for a call, or {@code null} */
    public HandlerBinding lookup(SyscallTable arch, int nr) {
        HandlerBinding[] table = byArch[arch.index()];
        return nr >= 0 && nr < table.length ? table[nr] : null;
    }

    /** @return whether {@code binding} is still registered */
    public synchronized boolean contains(HandlerBinding binding) {
        return bindings.get(binding.serviceId()) == binding;
    }

    public synchronized Collection<HandlerBinding> bindings() {
        return List.copyOf(bindings.values());
    }

    public List<Rejection> rejections() {
        return rejections;
    }

    private void rebuild() {
        SyscallTable[] tables = SyscallTable.all();
        HandlerBinding[][] next = new HandlerBinding[tables.length][];
        List<Rejection> rejected = new ArrayList<>();
        for (SyscallTable table : tables) {
            next[table.index()] = new HandlerBinding[table.size()];
        }
        for (HandlerBinding b : bindings.values()) {
            if (b.name() == null || b.name().isEmpty() || !b.name().matches("[a-z][a-z0-9_-]*")) {
                rejected.add(new Rejection(b, "missing or malformed intercessor.handler"));
                continue;
            }
            boolean known = false;
            for (String syscall : b.syscalls()) {
                for (SyscallTable table : tables) {
                    int nr = table.number(syscall);
                    if (nr < 0) {
                        continue;
                    }
                    known = true;
                    HandlerBinding[] slots = next[table.index()];
                    if (slots[nr] == null || b.beats(slots[nr])) {
                        slots[nr] = b;
                    }
                }
            }
            if (!known) {
                rejected.add(new Rejection(b, "serves no known syscall: " + b.syscalls()));
            }
        }
        // Report the losers of every conflict.
        for (HandlerBinding b : bindings.values()) {
            for (String syscall : b.syscalls()) {
                for (SyscallTable table : tables) {
                    int nr = table.number(syscall);
                    HandlerBinding winner = nr < 0 ? null : next[table.index()][nr];
                    if (winner != null && winner != b) {
                        String reason = syscall + " on " + table.name() + " is served by "
                                + winner.name() + " (service " + winner.serviceId() + ", ranking "
                                + winner.ranking() + ")";
                        if (rejected.stream().noneMatch(r -> r.binding() == b && r.reason().equals(reason))) {
                            rejected.add(new Rejection(b, reason));
                        }
                    }
                }
            }
        }
        byArch = next;
        rejections = List.copyOf(rejected);
    }
}
