package dev.intercessor.core.internal.record;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A count that every thread adds to in a cell of its own: no atomic instruction and no cache line
 * shared between CPUs on the way of a call (a {@code LongAdder} hashes the notify threads onto as
 * many cells as there are CPUs, and those that meet pass its line back and forth). Readers sum the
 * cells; a cell whose thread has ended is folded into a base when the next thread registers.
 */
final class PerThreadCounter {

    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Cell.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Cell {
        final WeakReference<Thread> owner = new WeakReference<>(Thread.currentThread());
        long value;
    }

    private final ThreadLocal<Cell> mine = ThreadLocal.withInitial(this::register);
    private final List<Cell> cells = new CopyOnWriteArrayList<>();
    /** What the cells of ended threads had counted. */
    private final AtomicLong base = new AtomicLong();

    void increment() {
        Cell c = mine.get();
        VALUE.setOpaque(c, c.value + 1); // its thread is the only writer
    }

    long sum() {
        long sum = base.get();
        for (Cell c : cells) {
            sum += (long) VALUE.getOpaque(c);
        }
        return sum;
    }

    private Cell register() {
        for (Cell c : cells) {
            Thread t = c.owner.get();
            if ((t == null || !t.isAlive()) && cells.remove(c)) {
                base.addAndGet((long) VALUE.getOpaque(c)); // it counts no more
            }
        }
        Cell c = new Cell();
        cells.add(c);
        return c;
    }
}
