package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;

import jnr.ffi.Pointer;

/** A listening {@code AF_UNIX} stream socket, and reading from its connections with fds. */
public final class UnixSocketServer implements AutoCloseable {

    private static final int SUN_PATH_MAX = 108;
    /** Room for this many descriptors in one control message; more sets MSG_CTRUNC. */
    private static final int MAX_FDS = 16;

    private final int fd;

    /** Binds and listens at {@code path} (which must not exist). */
    public UnixSocketServer(String path, int backlog) throws LinuxException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path longer than 107 bytes: " + path);
        }
        fd = Linux.check("socket", Linux.libc().socket(Linux.AF_UNIX,
                Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0));
        try {
            Pointer address = Linux.allocate(2 + SUN_PATH_MAX);
            address.putShort(0, (short) Linux.AF_UNIX);
            address.put(2, name, 0, name.length);
            Linux.check("bind " + path, Linux.libc().bind(fd, address, 2 + name.length + 1));
            Linux.check("listen", Linux.libc().listen(fd, backlog));
        } catch (LinuxException | RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
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

    /** Sets a receive timeout on a connection: a silent client cannot hold a thread forever. */
    public static void setReceiveTimeout(int connection, int millis) throws LinuxException {
        Pointer timeval = Linux.allocate(16);
        timeval.putLong(0, millis / 1000);
        timeval.putLong(8, (millis % 1000) * 1000L);
        Linux.check("setsockopt", Linux.libc().setsockopt(connection, Linux.SOL_SOCKET,
                Linux.SO_RCVTIMEO, timeval, 16));
    }

    private static final int CONTROL_SIZE = 16 + ((MAX_FDS * 4 + 7) & ~7);

    /** Native buffers for receiving, reused by each connection thread (not one set per client). */
    private static final class ReceiveBuffers {
        static final int DATA = 65536;
        final Pointer data = Linux.allocate(DATA);
        final Pointer control = Linux.allocate(CONTROL_SIZE);
        final Pointer iov = Linux.allocate(16);
        final Pointer msg = Linux.allocate(56);
    }

    private static final ThreadLocal<ReceiveBuffers> RECEIVE_BUFFERS = ThreadLocal.withInitial(ReceiveBuffers::new);

    /** What one {@code recvmsg} brought. */
    public static final class Received {
        public final int length;
        /** Descriptors received (close-on-exec); the receiver owns them. */
        public final int[] fds;
        /** The kernel dropped descriptors that did not fit (they are closed). */
        public final boolean truncated;

        Received(int length, int[] fds, boolean truncated) {
            this.length = length;
            this.fds = fds;
            this.truncated = truncated;
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
        ReceiveBuffers buffers = RECEIVE_BUFFERS.get();
        max = Math.min(max, ReceiveBuffers.DATA);
        Pointer data = buffers.data;
        Pointer control = buffers.control;
        control.setMemory(0, CONTROL_SIZE, (byte) 0);
        Pointer iov = buffers.iov;
        iov.putAddress(0, data.address());
        iov.putLong(8, max);
        // struct msghdr: name, namelen(+pad), iov, iovlen, control, controllen, flags
        Pointer msg = buffers.msg;
        msg.setMemory(0, 56, (byte) 0);
        msg.putAddress(16, iov.address());
        msg.putLong(24, 1);
        msg.putAddress(32, control.address());
        msg.putLong(40, CONTROL_SIZE);
        long n;
        while (true) {
            n = Linux.libc().recvmsg(connection, msg, Linux.MSG_CMSG_CLOEXEC);
            if (n >= 0 || Linux.errno() != Linux.EINTR) {
                break;
            }
        }
        if (n < 0) {
            throw new LinuxException("recvmsg", Linux.errno());
        }
        data.get(0, into, offset, (int) n);
        int flags = msg.getInt(48);
        long controlLength = msg.getLong(40);
        int[] fds = new int[0];
        long at = 0;
        // Walk the cmsghdr chain: len u64, level s32, type s32, data.
        while (at + 16 <= controlLength) {
            long cmsgLength = control.getLong(at);
            if (cmsgLength < 16) {
                break;
            }
            int level = control.getInt(at + 8);
            int type = control.getInt(at + 12);
            if (level == Linux.SOL_SOCKET && type == Linux.SCM_RIGHTS) {
                int count = (int) ((cmsgLength - 16) / 4);
                int[] more = new int[fds.length + count];
                System.arraycopy(fds, 0, more, 0, fds.length);
                for (int i = 0; i < count; i++) {
                    more[fds.length + i] = control.getInt(at + 16 + 4L * i);
                }
                fds = more;
            }
            at += (cmsgLength + 7) & ~7L;
        }
        return new Received((int) n, fds, (flags & Linux.MSG_CTRUNC) != 0);
    }
}
