package dev.intercessor.shell.internal;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * What a listing command returns: an ordinary unmodifiable list (it pipes and iterates like any
 * other) that knows what it holds, so that an empty one still prints as "no attached containers"
 * rather than as nothing.
 *
 * @param <T> the admin record it holds
 */
public final class RecordList<T> extends AbstractList<T> implements RandomAccess {

    private final Class<T> type;
    private final List<T> items;

    public RecordList(Class<T> type, List<? extends T> items) {
        this.type = type;
        this.items = List.copyOf(items);
    }

    /** @return the class of the elements */
    public Class<T> type() {
        return type;
    }

    @Override
    public T get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
