package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * The seccomp user-notification ioctls. Buffer sizes come from the kernel
 * ({@code SECCOMP_GET_NOTIF_SIZES}); field offsets are those of the stable uapi structs.
 */
public final class Seccomp {

    // _IOWR('!', 0, struct seccomp_notif) etc., as in <linux/seccomp.h>.
    private static final long IOCTL_NOTIF_RECV = 0xC0502100L;
    private static final long IOCTL_NOTIF_SEND = 0xC0182101L;
    private static final long IOCTL_NOTIF_ID_VALID = 0x40082102L;
    private static final long IOCTL_NOTIF_ADDFD = 0x40182103L;
    // Missing from Debian 12's headers: _IOW('!', 4, __u64).
    private static final long IOCTL_NOTIF_SET_FLAGS = 0x40082104L;

    private static final int SECCOMP_GET_NOTIF_SIZES = 3;
    public static final long USER_NOTIF_FD_SYNC_WAKE_UP = 1;
    private static final int USER_NOTIF_FLAG_CONTINUE = 1;
    private static final int ADDFD_FLAG_SEND = 1 << 1;

    // struct seccomp_notif: id u64, pid u32, flags u32, data { nr s32, arch u32, ip u64, args u64[6] }
    public static final int NOTIF_ID = 0;
    public static final int NOTIF_PID = 8;
    public static final int NOTIF_NR = 16;
    public static final int NOTIF_ARCH = 20;
    public static final int NOTIF_IP = 24;
    public static final int NOTIF_ARGS = 32;

    /** The kernel's sizes of seccomp_notif and seccomp_notif_resp, asked once. */
    public static final int NOTIF_SIZE;
    public static final int RESP_SIZE;

    static {
        Pointer sizes = Linux.allocate(8);
        try {
            Linux.seccomp(SECCOMP_GET_NOTIF_SIZES, 0, sizes);
        } catch (LinuxException e) {
            throw new IllegalStateException("seccomp user notification unsupported: " + e.getMessage());
        }
        NOTIF_SIZE = Math.max(80, Short.toUnsignedInt(sizes.getShort(0)));
        RESP_SIZE = Math.max(24, Short.toUnsignedInt(sizes.getShort(2)));
    }

    private Seccomp() {
    }

    /** Native buffers for one thread's receive/answer cycle, reused for every notification. */
    public static final class Buffers {
        public final Pointer notif = Linux.allocate(NOTIF_SIZE);
        public final Pointer resp = Linux.allocate(RESP_SIZE);
        final Pointer addfd = Linux.allocate(24);
        /** For waiting on a notify fd with ppoll: struct pollfd[3] (with the fds that wait watches), struct timespec. */
        public final Pointer pollfd = Linux.allocate(24);
        public final Pointer timespec = Linux.allocate(16);
    }

    /** Receives one notification into {@code buffers.notif}; the kernel wants it zeroed. */
    public static void receive(int notifyFd, Buffers buffers) throws LinuxException {
        buffers.notif.setMemory(0, NOTIF_SIZE, (byte) 0);
        Linux.check("NOTIF_RECV", Linux.libc().ioctl(notifyFd, IOCTL_NOTIF_RECV, buffers.notif));
    }

    /** Sends a plain answer: {@code error} is a positive errno or 0. */
    public static void send(int notifyFd, Buffers buffers, long id, long value, int error,
            boolean continueSyscall) throws LinuxException {
        Pointer resp = buffers.resp;
        resp.setMemory(0, RESP_SIZE, (byte) 0);
        resp.putLong(0, id);
        resp.putLong(8, value);
        resp.putInt(16, -error);
        resp.putInt(20, continueSyscall ? USER_NOTIF_FLAG_CONTINUE : 0);
        Linux.check("NOTIF_SEND", Linux.libc().ioctl(notifyFd, IOCTL_NOTIF_SEND, resp));
    }

    /**
     * Installs {@code fd} in the caller and answers the call with the new descriptor in one step
     * ({@code SECCOMP_ADDFD_FLAG_SEND}).
     *
     * @return the descriptor number in the caller
     */
    public static int addFdAndSend(int notifyFd, Buffers buffers, long id, int fd, boolean cloexec)
            throws LinuxException {
        Pointer a = buffers.addfd;
        a.putLong(0, id);
        a.putInt(8, ADDFD_FLAG_SEND);
        a.putInt(12, fd);
        a.putInt(16, 0);
        a.putInt(20, cloexec ? Linux.O_CLOEXEC : 0);
        return Linux.check("NOTIF_ADDFD", Linux.libc().ioctl(notifyFd, IOCTL_NOTIF_ADDFD, a));
    }

    /**
     * Installs {@code fd} in the caller without answering the call (for a runtime that sends the
     * answer itself: the descriptor number goes in its answer).
     *
     * @return the descriptor number in the caller
     */
    public static int addFd(int notifyFd, Buffers buffers, long id, int fd, boolean cloexec) throws LinuxException {
        Pointer a = buffers.addfd;
        a.putLong(0, id);
        a.putInt(8, 0);
        a.putInt(12, fd);
        a.putInt(16, 0);
        a.putInt(20, cloexec ? Linux.O_CLOEXEC : 0);
        return Linux.check("NOTIF_ADDFD", Linux.libc().ioctl(notifyFd, IOCTL_NOTIF_ADDFD, a));
    }

    private static final String NOTIFY_FD_LINK = "anon_inode:seccomp notify";

    /** @return whether {@code fd} is a seccomp notify fd (what /proc/self/fd says it is) */
    public static boolean isNotifyFd(int fd) {
        try {
            checkNotifyFd(fd);
            return true;
        } catch (LinuxException e) {
            return false;
        }
    }

    /** @throws LinuxException {@code EINVAL}, naming what it is, if {@code fd} is not a seccomp notify fd */
    public static void checkNotifyFd(int fd) throws LinuxException {
        String link = new String(Linux.readlinkat(Linux.AT_FDCWD, "/proc/self/fd/" + fd),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        if (!link.equals(NOTIFY_FD_LINK)) {
            throw new LinuxException("not a seccomp notify fd (" + link + ")", dev.intercessor.api.Errno.EINVAL);
        }
    }

    /** @return whether the kernel still waits for an answer to {@code id} */
    public static boolean idValid(int notifyFd, Pointer idBuffer, long id) {
        idBuffer.putLong(0, id);
        return Linux.libc().ioctl(notifyFd, IOCTL_NOTIF_ID_VALID, idBuffer) == 0;
    }

    /** Asks the kernel to wake us synchronously (it then runs us on the waker's CPU). */
    public static void setSyncWakeUp(int notifyFd) throws LinuxException {
        Linux.check("NOTIF_SET_FLAGS",
                Linux.libc().ioctl(notifyFd, IOCTL_NOTIF_SET_FLAGS, USER_NOTIF_FD_SYNC_WAKE_UP));
    }
}
