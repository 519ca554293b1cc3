package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * {@code struct epoll_event} ({@code include/uapi/linux/eventpoll.h}): {@code __u32 events} and a
 * 64-bit data word. {@code EPOLL_PACKED} makes it packed on x86_64 (12 bytes, data at 4) and it is
 * naturally aligned elsewhere (16 bytes, data at 8). A codec over the caller's memory, not a
 * {@code jnr.ffi.Struct}: it is read for every notification, from buffers each thread reuses.
 */
public final class EpollEvent {

    private static final boolean PACKED = "x86_64".equals(Linux.HOST_ARCH);

    public static final int SIZE = PACKED ? 12 : 16;
    static final int EVENTS = 0;
    static final int DATA = PACKED ? 4 : 8;

    private EpollEvent() {
    }

    /** Writes one event at {@code event}. */
    static void put(Pointer event, int events, long data) {
        event.putInt(EVENTS, events);
        event.putLong(DATA, data);
    }

    /** @return the {@code events} of the {@code index}th event of an array */
    public static int events(Pointer array, int index) {
        return array.getInt((long) index * SIZE + EVENTS);
    }

    /** @return the data word of the {@code index}th event of an array */
    public static long data(Pointer array, int index) {
        return array.getLong((long) index * SIZE + DATA);
    }
}
