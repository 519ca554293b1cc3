package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * The kernel's proc connector ({@code NETLINK_CONNECTOR}, {@code drivers/connector/cn_proc.c}):
 * a netlink socket that receives process events. {@link ExecEvents} decides what they mean.
 */
final class ProcConnector {

    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 04000;
    private static final int NETLINK_CONNECTOR = 11;
    static final int CN_IDX_PROC = 1;
    static final int CN_VAL_PROC = 1;
    static final int NLMSG_DONE = 3;
    static final int PROC_CN_MCAST_LISTEN = 1;
    static final int PROC_EVENT_EXEC = 2;
    private static final int ENOBUFS = 105; // the socket overflowed: events were lost

    private ProcConnector() {
    }

    /** {@code struct sockaddr_nl} ({@code include/uapi/linux/netlink.h}): 12 bytes. */
    static final class SockaddrNl extends Struct {
        final Unsigned16 family = new Unsigned16();
        final Unsigned16 pad = new Unsigned16();
        final Unsigned32 pid = new Unsigned32();
        final Unsigned32 groups = new Unsigned32();

        SockaddrNl() {
            super(Linux.runtime());
            useMemory(Linux.allocate(Struct.size(this)));
        }
    }

    /** {@code struct nlmsghdr} ({@code include/uapi/linux/netlink.h}): 16 bytes. */
    static final class NlMsgHdr extends Struct {
        final Unsigned32 length = new Unsigned32();
        final Unsigned16 type = new Unsigned16();
        final Unsigned16 flags = new Unsigned16();
        final Unsigned32 sequence = new Unsigned32();
        final Unsigned32 pid = new Unsigned32();

        NlMsgHdr() {
            super(Linux.runtime());
        }
    }

    /** {@code struct cn_msg} ({@code include/uapi/linux/connector.h}) without its data: 20 bytes. */
    static final class CnMsg extends Struct {
        /** {@code struct cb_id id}: idx, val */
        final Unsigned32 idx = new Unsigned32();
        final Unsigned32 val = new Unsigned32();
        final Unsigned32 sequence = new Unsigned32();
        final Unsigned32 ack = new Unsigned32();
        /** the length of the data that follows */
        final Unsigned16 length = new Unsigned16();
        final Unsigned16 flags = new Unsigned16();

        CnMsg() {
            super(Linux.runtime());
        }
    }

    /** {@code struct proc_input} ({@code include/uapi/linux/cn_proc.h}): two enums, 8 bytes. */
    static final class ProcInput extends Struct {
        final Unsigned32 multicastOp = new Unsigned32();
        final Unsigned32 eventType = new Unsigned32();

        ProcInput() {
            super(Linux.runtime());
        }
    }

    /** What a listener writes to subscribe: a netlink header, a connector header, a proc_input. */
    static final class Subscription extends Struct {
        final NlMsgHdr header = inner(new NlMsgHdr());
        final CnMsg connector = inner(new CnMsg());
        final ProcInput input = inner(new ProcInput());

        Subscription() {
            super(Linux.runtime());
            useMemory(Linux.allocate(Struct.size(this)));
        }

        /** @return a subscription of process {@code pid} to events of type {@code eventType} */
        static Subscription of(int pid, int eventType) {
            Subscription s = new Subscription();
            s.header.length.set(Struct.size(s));
            s.header.type.set(NLMSG_DONE);
            s.header.pid.set(pid);
            s.connector.idx.set(CN_IDX_PROC);
            s.connector.val.set(CN_VAL_PROC);
            s.connector.length.set(Struct.size(s.input));
            s.input.multicastOp.set(PROC_CN_MCAST_LISTEN);
            s.input.eventType.set(eventType);
            return s;
        }
    }

    /**
     * @return a non-blocking socket subscribed to exec events only (the connector's filter, Linux
     *         6.6). Needs CAP_NET_ADMIN in the host's user namespace.
     */
    static int openExecEvents() throws LinuxException {
        int fd = Linux.check("socket", Linux.libc().socket(AF_NETLINK,
                SOCK_DGRAM | SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, NETLINK_CONNECTOR));
        try {
            SockaddrNl address = new SockaddrNl();
            address.family.set(AF_NETLINK);
            address.groups.set(CN_IDX_PROC);
            Linux.check("bind", Linux.libc().bind(fd, Struct.getMemory(address), Struct.size(address)));
            Subscription listen = Subscription.of((int) ProcessHandle.current().pid(), PROC_EVENT_EXEC);
            int size = Struct.size(listen);
            if (Linux.libc().write(fd, Struct.getMemory(listen), size) != size) {
                throw new LinuxException("proc connector listen", Linux.errno());
            }
            return fd;
        } catch (LinuxException | RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
    }

    /** Reads {@code fd} until it is empty, through {@code buffer}; events lost (ENOBUFS) do not stop it. */
    static void drain(int fd, Pointer buffer) {
        while (true) {
            long n = Linux.libc().read(fd, buffer, buffer.size());
            if (n <= 0 && !(n < 0 && Linux.errno() == ENOBUFS)) {
                return; // EAGAIN: empty
            }
        }
    }
}
