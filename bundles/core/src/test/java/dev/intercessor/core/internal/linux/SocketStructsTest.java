package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * The socket structs ({@link SockaddrUn}, {@link Ucred}, {@link Timeval}, {@link MsgHdr},
 * {@link IoVec}, {@link CmsgHdr}) against the kernel's headers on a 64-bit host, then a real
 * exchange through them: a message with descriptors, the peer's credentials, a receive timeout.
 */
public class SocketStructsTest {

    @Test
    public void sockaddrUnIsFamilyThenA108BytePath() {
        // include/uapi/linux/un.h: __kernel_sa_family_t sun_family (u16); char sun_path[108]
        SockaddrUn address = SockaddrUn.of("/x".getBytes(StandardCharsets.UTF_8));
        assertEquals(110, Struct.size(address));
        assertEquals(Linux.AF_UNIX, address.memory().getShort(0));
        assertEquals('/', address.memory().getByte(2));
        assertEquals('x', address.memory().getByte(3));
        assertEquals(2 + 2 + 1, address.length(2, false)); // a path counts its NUL
        assertEquals(2 + 2, address.length(2, true));
    }

    @Test
    public void ucredIsPidUidGid() {
        // include/linux/socket.h: struct ucred { __u32 pid; __u32 uid; __u32 gid; }
        Ucred ucred = Ucred.allocate();
        assertEquals(12, Struct.size(ucred));
        ucred.memory().putInt(0, 1);
        ucred.memory().putInt(4, 2);
        ucred.memory().putInt(8, 3);
        assertEquals(1, ucred.pid.get());
        assertEquals(2, ucred.uid.get());
        assertEquals(3, ucred.gid.get());
    }

    @Test
    public void timevalIsTwoLongs() {
        // include/uapi/linux/time_types.h: __kernel_old_timeval { __kernel_long_t tv_sec, tv_usec; }
        Timeval t = Timeval.ofMillis(2345);
        assertEquals(16, t.size());
        assertEquals(2, t.memory().getLong(0));
        assertEquals(345_000, t.memory().getLong(8));
    }

    @Test
    public void msghdrAndIovecHaveTheKernelsLayout() {
        // include/linux/socket.h struct user_msghdr: void *msg_name; int msg_namelen; (pad)
        // struct iovec *msg_iov; __kernel_size_t msg_iovlen; void *msg_control;
        // __kernel_size_t msg_controllen; unsigned int msg_flags; (pad) = 56 bytes
        Pointer iov = Linux.allocate(IoVec.SIZE);
        Pointer data = Linux.allocate(8);
        Pointer control = Linux.allocate(32);
        Pointer msg = Linux.allocate(MsgHdr.SIZE);
        msg.setMemory(0, MsgHdr.SIZE, (byte) 0x55);
        MsgHdr.set(msg, iov, 1, control, 32);
        assertEquals(0, msg.getLong(0));
        assertEquals(0, msg.getInt(8));
        assertEquals(iov.address(), msg.getLong(16));
        assertEquals(1, msg.getLong(24));
        assertEquals(control.address(), msg.getLong(32));
        assertEquals(32, msg.getLong(40));
        msg.putInt(48, Linux.MSG_CTRUNC);
        assertEquals(Linux.MSG_CTRUNC, MsgHdr.flags(msg));
        assertEquals(32, MsgHdr.controlLength(msg));
        assertEquals(56, MsgHdr.SIZE);
        // include/uapi/linux/uio.h: struct iovec { void *iov_base; __kernel_size_t iov_len; }
        IoVec.put(iov, data, 8);
        assertEquals(data.address(), iov.getLong(0));
        assertEquals(8, iov.getLong(8));
        assertEquals(16, IoVec.SIZE);
    }

    @Test
    public void cmsghdrIsLengthLevelTypeThenAlignedData() {
        // include/linux/socket.h: struct cmsghdr { __kernel_size_t cmsg_len; int cmsg_level;
        // int cmsg_type; }; CMSG_ALIGN to sizeof(long)
        assertEquals(20, CmsgHdr.length(4)); // CMSG_LEN(sizeof(int))
        assertEquals(24, CmsgHdr.space(4)); // CMSG_SPACE(sizeof(int))
        assertEquals(80, CmsgHdr.space(64));
        Pointer control = Linux.allocate(CmsgHdr.space(8));
        CmsgHdr.putRights(control, new int[] {7, 9});
        assertEquals(24, control.getLong(0));
        assertEquals(Linux.SOL_SOCKET, control.getInt(8));
        assertEquals(Linux.SCM_RIGHTS, control.getInt(12));
        assertEquals(7, control.getInt(16));
        assertEquals(9, control.getInt(20));
        assertEquals(9, CmsgHdr.rightsFd(control, 0, 1));
    }

    @Test
    public void aMessageWithDescriptorsCrossesARealSocketWithItsSendersCredentials() throws Exception {
        Path dir = Files.createTempDirectory("socket-structs");
        Path path = dir.resolve("s");
        int client = -1;
        int connection = -1;
        int[] received = {};
        try (UnixSocketServer server = new UnixSocketServer(path.toString(), 1, Linux.SOCK_SEQPACKET)) {
            client = UnixSocketServer.connect(path.toString(), Linux.SOCK_SEQPACKET);
            connection = server.accept();
            UnixSocketServer.Peer peer = UnixSocketServer.peer(connection);
            assertEquals(ProcessHandle.current().pid(), peer.pid());
            assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"), peer.uid()); // /proc/self is owned by our euid
            assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:gid"), peer.gid());
            UnixSocketServer.send(client, new byte[] {1, 2, 3}, 0, 1);
            byte[] into = new byte[8];
            UnixSocketServer.Received r = UnixSocketServer.receive(connection, into, 0, into.length);
            received = r.fds;
            assertEquals(3, r.length);
            assertArrayEquals(new byte[] {1, 2, 3}, java.util.Arrays.copyOf(into, 3));
            assertEquals(2, r.fds.length);
            assertFalse(r.truncated);
            assertFalse(r.dataTruncated);
            for (int fd : r.fds) {
                assertTrue(Files.exists(Path.of("/proc/self/fd/" + fd)));
            }
            UnixSocketServer.setReceiveTimeout(connection, 50);
            int timing = connection;
            LinuxException timedOut = assertThrows(LinuxException.class,
                    () -> UnixSocketServer.receive(timing, into, 0, 1));
            assertEquals(Linux.EAGAIN, timedOut.errno());
        } finally {
            for (int fd : received) {
                Linux.close(fd);
            }
            Linux.close(client);
            Linux.close(connection);
            Files.deleteIfExists(path);
            Files.delete(dir);
        }
    }
}
