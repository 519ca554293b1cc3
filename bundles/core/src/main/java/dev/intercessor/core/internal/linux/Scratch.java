package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * Native buffers reused by one thread for every call it serves: allocating direct memory per
 * notification costs more than the kernel round trip itself.
 */
final class Scratch {

    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    final Pointer page = Linux.allocate(4096);
    final Pointer file = Linux.allocate(16384);
    final Pointer iovs = Linux.allocate(32);
    final Pointer id = Linux.allocate(8);
    /** struct procmap_query */
    final Pointer mapQuery = Linux.allocate(ProcTarget.PROCMAP_QUERY_SIZE);
    final Pointer pollfd = Linux.allocate(8);
    final Pointer pollfds = Linux.allocate(16);
    private Pointer large;

    static Scratch get() {
        return PER_THREAD.get();
    }

    /** @return a buffer of at least {@code size} bytes (contents undefined) */
    Pointer buffer(int size) {
        if (size <= page.size()) {
            return page;
        }
        if (large == null || large.size() < size) {
            large = Linux.allocate(Math.max(size, 2 * (large == null ? 0 : (int) large.size())));
        }
        return large;
    }
}
