package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

import jnr.ffi.Pointer;

/** {@link EpollEvent} against {@code include/uapi/linux/eventpoll.h}, then a real epoll_wait. */
public class EpollEventTest {

    @Test
    public void anEventIsPackedOnX86_64AndAlignedElsewhere() {
        // struct epoll_event { __poll_t events; __u64 data; } EPOLL_PACKED: packed on x86_64 only
        boolean x86 = "x86_64".equals(Linux.HOST_ARCH);
        assertEquals(x86 ? 12 : 16, EpollEvent.SIZE);
        Pointer array = Linux.allocate(2 * EpollEvent.SIZE);
        EpollEvent.put(array.slice(EpollEvent.SIZE), Linux.EPOLLIN, 0x1122334455667788L);
        assertEquals(Linux.EPOLLIN, array.getInt(EpollEvent.SIZE));
        assertEquals(0x1122334455667788L, array.getLong(EpollEvent.SIZE + (x86 ? 4 : 8)));
        assertEquals(Linux.EPOLLIN, EpollEvent.events(array, 1));
        assertEquals(0x1122334455667788L, EpollEvent.data(array, 1));
    }

    @Test
    public void aSignalledEventFdIsReportedWithItsKey() throws Exception {
        try (Epoll epoll = new Epoll(); EventFd wake = new EventFd()) {
            epoll.add(wake.fd(), Linux.EPOLLIN, 0x7fff_0000_0000_0042L);
            Pointer events = Linux.allocate(2 * Epoll.EVENT_SIZE);
            assertEquals(0, epoll.await(events, 2, 0));
            wake.signal();
            assertEquals(1, epoll.await(events, 2, 1000));
            assertEquals(Linux.EPOLLIN, Epoll.events(events, 0) & Linux.EPOLLIN);
            assertEquals(0x7fff_0000_0000_0042L, Epoll.key(events, 0));
        }
    }
}
