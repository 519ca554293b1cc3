package dev.intercessor.core.internal.dispatch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.intercessor.api.HandlerOption;
import dev.intercessor.core.internal.policy.OptionCatalog;

/**
 * The handlers known, keyed by (architecture, syscall number). Lookups read an immutable snapshot
 * (no lock on the notification path); changes rebuild it. A handler names syscalls by name (every
 * architecture that has it) or as {@code <arch>:<number>} for a number no table names
 * ({@link UserDefinedSyscall}).
 */
public final class HandlerRegistry {

    /** Why a registered handler serves nothing, or not everything it names. */
    public record Rejection(HandlerBinding binding, String reason) {
    }

    private final Map<Long, HandlerBinding> bindings = new LinkedHashMap<>();
    private volatile HandlerBinding[][] byArch = new HandlerBinding[SyscallTable.all().length][];
    private volatile List<Rejection> rejections = List.of();
    private final OptionCatalog options = new OptionCatalog();
    /** Numbers no table names, by {@link UserDefinedSyscall#key()}; usually empty. */
    private volatile Map<Long, HandlerBinding> userDefined = Map.of();

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
        int slot = arch.slot(nr);
        if (slot >= 0) {
            return byArch[arch.index()][slot];
        }
        Map<Long, HandlerBinding> numbered = userDefined;
        return numbered.isEmpty() ? null : numbered.get(UserDefinedSyscall.key(arch, nr));
    }

    /** @return the syscalls {@code binding} serves on at least one architecture, in its order */
    public List<String> serving(HandlerBinding binding) {
        HandlerBinding[][] current = byArch;
        Map<Long, HandlerBinding> numbered = userDefined;
        Set<String> serving = new LinkedHashSet<>();
        for (String syscall : binding.syscalls()) {
            if (UserDefinedSyscall.isNumbered(syscall)) {
                UserDefinedSyscall u = parseOrNull(syscall);
                if (u != null && numbered.get(u.key()) == binding) {
                    serving.add(u.toString());
                }
                continue;
            }
            for (SyscallTable table : SyscallTable.all()) {
                int slot = table.slot(table.number(syscall));
                if (slot >= 0 && current[table.index()][slot] == binding) {
                    serving.add(syscall);
                }
            }
        }
        return List.copyOf(serving);
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

    /** @return the options of the handlers registered, kept current */
    public OptionCatalog options() {
        return options;
    }

    private void rebuild() {
        SyscallTable[] tables = SyscallTable.all();
        HandlerBinding[][] next = new HandlerBinding[tables.length][];
        List<Rejection> rejected = new ArrayList<>();
        Map<Long, HandlerBinding> numbered = new HashMap<>();
        for (SyscallTable table : tables) {
            next[table.index()] = new HandlerBinding[table.size()];
        }
        for (HandlerBinding b : bindings.values()) {
            if (b.name() == null || b.name().isEmpty() || !b.name().matches("[a-z][a-z0-9_-]*")) {
                rejected.add(new Rejection(b, "missing or malformed intercessor.handler"));
                continue;
            }
            Set<String> unknown = new LinkedHashSet<>();
            List<String> malformed = new ArrayList<>();
            for (String syscall : b.syscalls()) {
                if (UserDefinedSyscall.isNumbered(syscall)) {
                    try {
                        UserDefinedSyscall u = UserDefinedSyscall.parse(syscall);
                        numbered.merge(u.key(), b, (old, mine) -> mine.beats(old) ? mine : old);
                    } catch (IllegalArgumentException e) {
                        unknown.add(syscall);
                        malformed.add(e.getMessage());
                    }
                    continue;
                }
                boolean known = false;
                for (SyscallTable table : tables) {
                    int slot = table.slot(table.number(syscall));
                    if (slot < 0) {
                        continue;
                    }
                    known = true;
                    HandlerBinding[] slots = next[table.index()];
                    if (slots[slot] == null || b.beats(slots[slot])) {
                        slots[slot] = b;
                    }
                }
                if (!known) {
                    unknown.add(syscall);
                }
            }
            if (unknown.size() == b.syscalls().size()) {
                rejected.add(new Rejection(b, "serves no known syscall: " + b.syscalls()
                        + (malformed.isEmpty() ? "" : " (" + String.join("; ", malformed) + ")")));
            } else {
                for (String syscall : unknown) {
                    if (!UserDefinedSyscall.isNumbered(syscall)) {
                        rejected.add(new Rejection(b, "no architecture has a syscall named " + syscall));
                    }
                }
                for (String reason : malformed) {
                    rejected.add(new Rejection(b, reason));
                }
            }
        }
        // Report the losers of every conflict. The same handlers claim a name on every
        // architecture that has it (one number per name, one name per number), so one winner does.
        for (HandlerBinding b : bindings.values()) {
            Set<String> reasons = new LinkedHashSet<>();
            for (String syscall : b.syscalls()) {
                if (UserDefinedSyscall.isNumbered(syscall)) {
                    UserDefinedSyscall u = parseOrNull(syscall);
                    HandlerBinding winner = u == null ? null : numbered.get(u.key());
                    if (winner != null && winner != b) {
                        reasons.add(u + " is served by " + winner.name() + " (service "
                                + winner.serviceId() + ", ranking " + winner.ranking() + ")");
                    }
                    continue;
                }
                for (SyscallTable table : tables) {
                    int slot = table.slot(table.number(syscall));
                    HandlerBinding winner = slot < 0 ? null : next[table.index()][slot];
                    if (winner != null && winner != b) {
                        reasons.add(syscall + " is served by " + winner.name() + " (service "
                                + winner.serviceId() + ", ranking " + winner.ranking() + ")");
                    }
                }
            }
            for (String reason : reasons) {
                rejected.add(new Rejection(b, reason));
            }
        }
        byArch = next;
        userDefined = Map.copyOf(numbered);
        rejections = List.copyOf(rejected);
        options.replace(optionsOf(bindings.values()));
    }

    /**
     * Every accepted handler's options and {@code <name>.enabled}. Two handlers of one name (one
     * replacing the other by ranking) may declare one key: the winner's counts.
     */
    private static Map<String, HandlerOption<?>> optionsOf(Collection<HandlerBinding> all) {
        List<HandlerBinding> ordered = new ArrayList<>(all);
        ordered.removeIf(b -> b.enabled() == null);
        ordered.sort((a, b) -> a.beats(b) ? -1 : b.beats(a) ? 1 : 0);
        Map<String, HandlerOption<?>> byKey = new HashMap<>();
        byKey.put(ListenerHandOver.ENABLED.key(), ListenerHandOver.ENABLED); // the core's own
        for (HandlerBinding b : ordered) {
            byKey.putIfAbsent(b.enabled().key(), b.enabled());
            for (HandlerOption<?> option : b.options()) {
                byKey.putIfAbsent(option.key(), option);
            }
        }
        return byKey;
    }

    private static UserDefinedSyscall parseOrNull(String entry) {
        try {
            return UserDefinedSyscall.parse(entry);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
