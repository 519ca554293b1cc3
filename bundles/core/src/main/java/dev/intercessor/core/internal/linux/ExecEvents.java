package dev.intercessor.core.internal.linux;

import java.util.concurrent.atomic.AtomicLong;

import jnr.ffi.Pointer;

/**
 * The host's exec events, from the kernel's proc connector, so that handles bound to a process's
 * memory can be known stale. A {@code /proc/<pid>/mem} or {@code maps} fd keeps reaching the memory
 * the process had when it was opened; after an exec that memory may live on in another process
 * (the vfork parent, a CLONE_VM sibling), and a write through the old fd would land there.
 * <p>
 * The kernel queues an exec's event before the new program runs, so before that program can make
 * a call: a thread that has received a notification and then finds the socket empty has seen
 * every exec that came before the call. Whoever drains the socket advances {@link #generation()}
 * first.
 */
public final class ExecEvents implements AutoCloseable {

    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 04000;
    private static final int NETLINK_CONNECTOR = 11;
    private static final int CN_IDX_PROC = 1;
    private static final int CN_VAL_PROC = 1;
    private static final int NLMSG_DONE = 3;
    private static final int PROC_CN_MCAST_LISTEN = 1;
    private static final int PROC_EVENT_EXEC = 2;
    private static final int ENOBUFS = 105; // the socket overflowed: events were lost

    private final int fd;
    private final AtomicLong generation = new AtomicLong();

    private ExecEvents(int fd) {
        this.fd = fd;
    }

    /**
     * Subscribes to exec events only (the connector's filter, Linux 6.6). Needs CAP_NET_ADMIN in
     * the host's user namespace.
     */
    public static ExecEvents open() throws LinuxException {
        int fd = Linux.check("socket", Linux.libc().socket(AF_NETLINK,
                SOCK_DGRAM | SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, NETLINK_CONNECTOR));
        try {
            Pointer address = Linux.allocate(12); // sockaddr_nl
            address.putShort(0, (short) AF_NETLINK);
            address.putInt(8, CN_IDX_PROC);
            Linux.check("bind", Linux.libc().bind(fd, address, 12));
            Pointer m = Linux.allocate(44); // nlmsghdr, cn_msg, struct proc_input
            m.putInt(0, 44);
            m.putShort(4, (short) NLMSG_DONE);
            m.putInt(12, (int) ProcessHandle.current().pid());
            m.putInt(16, CN_IDX_PROC);
            m.putInt(20, CN_VAL_PROC);
            m.putShort(32, (short) 8);
            m.putInt(36, PROC_CN_MCAST_LISTEN);
            m.putInt(40, PROC_EVENT_EXEC);
            if (Linux.libc().write(fd, m, 44) != 44) {
                throw new LinuxException("proc connector listen", Linux.errno());
            }
            return new ExecEvents(fd);
        } catch (LinuxException | RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
    }

    /** @return the socket to poll: readable (or in error) when an exec may not be counted yet */
    int fd() {
        return fd;
    }

    /** @return how many times execs were seen; handles opened at an older value may be stale */
    long generation() {
        return generation.get();
    }

    /** Counts the execs the socket holds (or lost: ENOBUFS), then drains it. */
    void consume() {
        generation.incrementAndGet(); // before draining: see the class comment
        Pointer buffer = Scratch.get().file;
        while (true) {
            long n = Linux.libc().read(fd, buffer, buffer.size());
            if (n <= 0 && !(n < 0 && Linux.errno() == ENOBUFS)) {
                return; // EAGAIN: empty
            }
        }
    }

    @Override
    public void close() {
        Linux.close(fd);
    }
}
