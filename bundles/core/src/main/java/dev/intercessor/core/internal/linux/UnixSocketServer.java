package dev.intercessor.core.internal.linux;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;

import jnr.ffi.Pointer;

/**
 * A listening {@code AF_UNIX} socket (stream, or sequenced packets), and reading from its
 * connections with fds.
 */
public final class UnixSocketServer implements AutoCloseable {

    private static final int SUN_PATH_MAX = SockaddrUn.PATH_MAX;
    /** Room for this many descriptors in one control message; more sets MSG_CTRUNC. */
    private static final int MAX_FDS = 16;

    private final int fd;

    /** Binds and listens at {@code path} (which must not exist): a stream socket. */
    public UnixSocketServer(String path, int backlog) throws LinuxException {
        this(path, backlog, Linux.SOCK_STREAM);
    }

    /** @param type {@link Linux#SOCK_STREAM} or {@link Linux#SOCK_SEQPACKET} */
    public UnixSocketServer(String path, int backlog, int type) throws LinuxException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path longer than 107 bytes: " + path);
        }
        fd = Linux.check("socket", Linux.libc().socket(Linux.AF_UNIX, type | Linux.SOCK_CLOEXEC, 0));
        try {
            SockaddrUn address = SockaddrUn.of(name);
            Linux.check("bind " + path, Linux.libc().bind(fd, address.memory(), address.length(name.length, false)));
            Linux.check("listen", Linux.libc().listen(fd, backlog));
        } catch (LinuxException | RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
    }

    /** @return whether something listens at {@code path} for sockets of {@code type} (a probe connection) */
    public static boolean connects(String path, int type) throws LinuxException {
        try {
            Linux.close(connect(path, type));
            return true;
        } catch (LinuxException e) {
            return false;
        }
    }

    /**
     * @param path a socket's path, or {@code @name} for an abstract one
     * @return a connection (close-on-exec) to it
     */
    public static int connect(String path, int type) throws LinuxException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_MAX) {
            throw new LinuxException("socket path longer than 107 bytes: " + path, Linux.ENAMETOOLONG);
        }
        boolean isAbstract = name.length > 0 && name[0] == '@';
        if (isAbstract) {
            name[0] = 0;
        }
        int fd = Linux.check("socket", Linux.libc().socket(Linux.AF_UNIX, type | Linux.SOCK_CLOEXEC, 0));
        SockaddrUn address = SockaddrUn.of(name);
        // A path ends with its NUL; an abstract name is exactly its bytes.
        if (Linux.libc().connect(fd, address.memory(), address.length(name.length, isAbstract)) != 0) {
            int errno = Linux.errno();
            Linux.close(fd);
            throw new LinuxException("connect " + path, errno);
        }
        return fd;
    }

    /** @return a new connection (close-on-exec), blocking until one comes */
    public int accept() throws LinuxException {
        while (true) {
            int client = Linux.libc().accept4(fd, null, null, Linux.SOCK_CLOEXEC);
            if (client >= 0) {
                return client;
            }
            int errno = Linux.errno();
            if (errno != Linux.EINTR) {
                throw new LinuxException("accept4", errno);
            }
        }
    }

    /** Makes a blocked {@link #accept} fail, so its thread can end. */
    public void shutdown() {
        Linux.libc().shutdown(fd, Linux.SHUT_RDWR);
    }

    @Override
    public void close() {
        Linux.close(fd);
    }

    /** Who connected, as the kernel recorded it at connect time ({@code SO_PEERCRED}). */
    public record Peer(int pid, int uid, int gid) {
    }

    public static Peer peer(int connection) throws LinuxException {
        Ucred ucred = Ucred.allocate();
        Pointer length = Linux.allocate(4); // socklen_t, in and out
        length.putInt(0, (int) ucred.memory().size());
        Linux.check("getsockopt SO_PEERCRED", Linux.libc().getsockopt(connection, Linux.SOL_SOCKET,
                Linux.SO_PEERCRED, ucred.memory(), length));
        return new Peer(ucred.pid.get(), ucred.uid.intValue(), ucred.gid.intValue());
    }

    /**
     * Sends {@code data} as one message (one record on a {@code SOCK_SEQPACKET} connection),
     * without SIGPIPE, with {@code fds} attached ({@code SCM_RIGHTS}: the receiver gets duplicates).
     *
     * @throws LinuxException {@code EPIPE} if the peer has gone; {@code EMSGSIZE} if it does not fit
     */
    public static void send(int connection, byte[] data, int... fds) throws LinuxException {
        Pointer buffer = Linux.allocate(Math.max(1, data.length));
        buffer.put(0, data, 0, data.length);
        Pointer iov = Linux.allocate(IoVec.SIZE);
        IoVec.put(iov, buffer, data.length);
        Pointer msg = Linux.allocate(MsgHdr.SIZE);
        Pointer control = null;
        if (fds.length > 0) {
            // One SCM_RIGHTS message: the fds, padded to its CMSG_SPACE.
            int space = CmsgHdr.space(4 * fds.length);
            control = Linux.allocate(space);
            CmsgHdr.putRights(control, fds);
            MsgHdr.set(msg, iov, 1, control, space);
        } else {
            MsgHdr.set(msg, iov, 1, null, 0);
        }
        try {
            while (true) {
                long n = Linux.libc().sendmsg(connection, msg, Linux.MSG_NOSIGNAL);
                if (n == data.length) {
                    return;
                }
                if (n >= 0) {
                    throw new LinuxException("sendmsg: " + n + " of " + data.length + " bytes sent", Linux.EMSGSIZE);
                }
                if (Linux.errno() != Linux.EINTR) {
                    throw new LinuxException("sendmsg", Linux.errno());
                }
            }
        } finally {
            // msg holds them by address only: freed by a GC before sendmsg, the kernel would read freed memory.
            Reference.reachabilityFence(buffer);
            Reference.reachabilityFence(iov);
            Reference.reachabilityFence(control);
        }
    }

    /** Sets a receive timeout on a connection: a silent client cannot hold a thread forever. */
    public static void setReceiveTimeout(int connection, int millis) throws LinuxException {
        Timeval timeout = Timeval.ofMillis(millis);
        Linux.check("setsockopt", Linux.libc().setsockopt(connection, Linux.SOL_SOCKET,
                Linux.SO_RCVTIMEO, timeout.memory(), timeout.size()));
    }

    private static final int CONTROL_SIZE = CmsgHdr.space(4 * MAX_FDS);

    /** Native buffers for receiving, reused by each connection thread (not one set per client). */
    private static final class ReceiveBuffers {
        static final int DATA = 65536;
        final Pointer data = Linux.allocate(DATA);
        final Pointer control = Linux.allocate(CONTROL_SIZE);
        final Pointer iov = Linux.allocate(IoVec.SIZE);
        final Pointer msg = Linux.allocate(MsgHdr.SIZE);
    }

    private static final ThreadLocal<ReceiveBuffers> RECEIVE_BUFFERS = ThreadLocal.withInitial(ReceiveBuffers::new);

    /** What one {@code recvmsg} brought. */
    public static final class Received {
        public final int length;
        /** Descriptors received (close-on-exec); the receiver owns them. */
        public final int[] fds;
        /** The kernel dropped descriptors that did not fit (they are closed). */
        public final boolean truncated;
        /** A record longer than the room given: the rest of it is lost (SOCK_SEQPACKET). */
        public final boolean dataTruncated;

        Received(int length, int[] fds, boolean truncated, boolean dataTruncated) {
            this.length = length;
            this.fds = fds;
            this.truncated = truncated;
            this.dataTruncated = dataTruncated;
        }
    }

    /**
     * Receives up to {@code max} bytes into {@code into} and any descriptors passed with them.
     *
     * @return {@code length} 0 at end of stream
     * @throws LinuxException {@code EAGAIN} when the receive timeout passed
     */
    public static Received receive(int connection, byte[] into, int offset, int max)
            throws LinuxException {
        return receive(connection, into, offset, max, 0);
    }

    /**
     * As {@link #receive(int, byte[], int, int)}, with recvmsg flags ({@link Linux#MSG_PEEK}: the
     * message stays queued, and its descriptors are received as new duplicates).
     */
    public static Received receive(int connection, byte[] into, int offset, int max, int flags)
            throws LinuxException {
        ReceiveBuffers buffers = RECEIVE_BUFFERS.get();
        max = Math.min(max, ReceiveBuffers.DATA);
        Pointer data = buffers.data;
        Pointer control = buffers.control;
        control.setMemory(0, CONTROL_SIZE, (byte) 0);
        Pointer iov = buffers.iov;
        IoVec.put(iov, data, max);
        Pointer msg = buffers.msg;
        MsgHdr.set(msg, iov, 1, control, CONTROL_SIZE);
        long n;
        while (true) {
            n = Linux.libc().recvmsg(connection, msg, Linux.MSG_CMSG_CLOEXEC | flags);
            if (n >= 0 || Linux.errno() != Linux.EINTR) {
                break;
            }
        }
        if (n < 0) {
            throw new LinuxException("recvmsg", Linux.errno());
        }
        int flagsOut = MsgHdr.flags(msg);
        boolean dataTruncated = (flagsOut & Linux.MSG_TRUNC) != 0;
        n = Math.min(n, max);
        data.get(0, into, offset, (int) n);
        long controlLength = MsgHdr.controlLength(msg);
        int[] fds = new int[0];
        long at = 0;
        // Walk the cmsghdr chain (CMSG_NXTHDR): each message CMSG_ALIGNed after the last.
        while (at + CmsgHdr.HEADER <= controlLength) {
            long cmsgLength = CmsgHdr.length(control, at);
            if (cmsgLength < CmsgHdr.HEADER) {
                break;
            }
            if (CmsgHdr.level(control, at) == Linux.SOL_SOCKET && CmsgHdr.type(control, at) == Linux.SCM_RIGHTS) {
                int count = (int) ((cmsgLength - CmsgHdr.HEADER) / 4);
                int[] more = new int[fds.length + count];
                System.arraycopy(fds, 0, more, 0, fds.length);
                for (int i = 0; i < count; i++) {
                    more[fds.length + i] = CmsgHdr.rightsFd(control, at, i);
                }
                fds = more;
            }
            at += CmsgHdr.align(cmsgLength);
        }
        return new Received((int) n, fds, (flagsOut & Linux.MSG_CTRUNC) != 0, dataTruncated);
    }
}
