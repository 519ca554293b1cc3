package dev.intercessor.handler.bpf;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The programs each container has had loaded through this handler and that are still loaded,
 * for the per-container limit {@code bpf.maxPrograms}. A program counts as long as the kernel
 * still has it (by its id), however the container holds it (fds, passed or duplicated, an
 * attachment); one the container let go stops counting at its next load. A load in progress
 * holds a slot, so concurrent loads cannot pass the limit together.
 *
 * <p>Handlers learn nothing of containers going away: the entries of containers that load no
 * more are dropped by a sweep when the table has grown past twice its size at the last sweep.
 */
final class LoadedPrograms {

    private static final class Held {
        final Set<Integer> ids = new HashSet<>();
        int loading;
    }

    private final IntPredicate isLoaded;
    private final int minimumSweep;
    private final Map<String, Held> byContainer = new HashMap<>();
    private int sweepAt;

    /**
     * @param isLoaded     whether the kernel still has the program of an id
     * @param minimumSweep the table size below which it is never swept
     */
    LoadedPrograms(IntPredicate isLoaded, int minimumSweep) {
        this.isLoaded = isLoaded;
        this.minimumSweep = minimumSweep;
        this.sweepAt = minimumSweep;
    }

    /**
     * @return whether the container may load one more program; if so, a slot is held for it
     *         until {@link #loaded} or {@link #cancel}
     */
    synchronized boolean reserve(String container, int max) {
        Held held = byContainer.get(container);
        if (held == null) {
            if (byContainer.size() >= sweepAt) {
                sweep();
            }
            held = new Held();
            byContainer.put(container, held);
        }
        held.ids.removeIf(id -> !isLoaded.test(id));
        if (held.ids.size() + held.loading >= max) {
            return false;
        }
        held.loading++;
        return true;
    }

    /** The reserved slot now holds the program {@code id}. */
    synchronized void loaded(String container, int id) {
        Held held = byContainer.get(container);
        held.loading--;
        held.ids.add(id);
    }

    /** The reserved slot is given back: nothing was loaded. */
    synchronized void cancel(String container) {
        byContainer.get(container).loading--;
    }

    /** @return the programs counted for the container (as of its last reservation) */
    synchronized int count(String container) {
        Held held = byContainer.get(container);
        return held == null ? 0 : held.ids.size() + held.loading;
    }

    /** @return the containers in the table */
    synchronized int containers() {
        return byContainer.size();
    }

    private void sweep() {
        for (Iterator<Held> i = byContainer.values().iterator(); i.hasNext();) {
            Held held = i.next();
            held.ids.removeIf(id -> !isLoaded.test(id));
            if (held.ids.isEmpty() && held.loading == 0) {
                i.remove();
            }
        }
        sweepAt = Math.max(minimumSweep, 2 * byContainer.size());
    }
}
