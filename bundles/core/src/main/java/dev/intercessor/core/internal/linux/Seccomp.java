package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * The seccomp user-notification ioctls, and the one place that knows the layout of their structs
 * ({@code seccomp_notif} through {@link SeccompNotif}, {@code seccomp_notif_resp},
 * {@code seccomp_notif_addfd}, {@code seccomp_notif_sizes}). Buffer sizes come from the kernel
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

    // struct seccomp_notif_resp: id u64, val s64, error s32, flags u32.
    private static final int RESP_ID = 0;
    private static final int RESP_VAL = 8;
    private static final int RESP_ERROR = 16;
    private static final int RESP_FLAGS = 20;
    /** The size of the fields above: a newer kernel's struct may be larger. */
    private static final int RESP_KNOWN = 24;
    // struct seccomp_notif_addfd: id u64, flags u32, srcfd u32, newfd u32, newfd_flags u32.
    private static final int ADDFD_ID = 0;
    private static final int ADDFD_FLAGS = 8;
    private static final int ADDFD_SRCFD = 12;
    private static final int ADDFD_NEWFD = 16;
    private static final int ADDFD_NEWFD_FLAGS = 20;
    private static final int ADDFD_SIZE = 24;

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
        NOTIF_SIZE = Math.max(SeccompNotif.SIZE, Short.toUnsignedInt(sizes.getShort(0)));
        RESP_SIZE = Math.max(RESP_KNOWN, Short.toUnsignedInt(sizes.getShort(2)));
    }

    private Seccomp() {
    }

    /** Native buffers for one thread's receive/answer cycle, reused for every notification. */
    public static final class Buffers {
        public final Pointer notif = Linux.allocate(NOTIF_SIZE);
        public final Pointer resp = Linux.allocate(RESP_SIZE);
        final Pointer addfd = Linux.allocate(ADDFD_SIZE);
        /** For waiting on a notify fd with ppoll: struct pollfd[3] (with the fds that wait watches), struct timespec. */
        public final Pointer pollfd = Linux.allocate(24);
        public final Pointer timespec = Linux.allocate(16);
    }

    /**
     * Receives one notification (into {@code buffers.notif}, which the kernel wants zeroed).
     *
     * @return it, or null if none came: a signal (EINTR), a caller killed before it was received
     *         (ENOENT), or every caller gone (ENOENT at once: {@link #await} then says POLLHUP).
     *         Which one is not asked: every caller polls next, and keeping errno would cost every call.
     */
    public static SeccompNotif receive(int notifyFd, Buffers buffers) {
        Linux.zero(buffers.notif, 0, NOTIF_SIZE);
        if (Linux.unsaved().ioctl(notifyFd, IOCTL_NOTIF_RECV, buffers.notif) < 0) {
            return null;
        }
        return SeccompNotif.decode(buffers.notif);
    }

    /**
     * Waits up to {@code nanos} for {@code notifyFd} to have a call (ppoll: a thread waiting on the
     * notify fd itself is woken on the caller's CPU, with {@link #setSyncWakeUp}).
     *
     * @return the poll events seen ({@code POLLIN}, {@code POLLHUP}: every caller gone), 0 if none
     */
    public static int await(int notifyFd, Buffers buffers, long nanos) {
        PollFds.watchReadable(buffers.pollfd, 0, notifyFd);
        return PollFds.poll(buffers.pollfd, 1, buffers.timespec, nanos) > 0 ? PollFds.revents(buffers.pollfd, 0) : 0;
    }

    /** Sends a plain answer: {@code error} is a positive errno or 0. */
    public static void send(int notifyFd, Buffers buffers, long id, long value, int error,
            boolean continueSyscall) throws LinuxException {
        Pointer resp = buffers.resp;
        Linux.zero(resp, RESP_KNOWN, RESP_SIZE); // a newer kernel's larger struct: the fields we do not know
        resp.putLong(RESP_ID, id);
        resp.putLong(RESP_VAL, value);
        resp.putInt(RESP_ERROR, -error);
        resp.putInt(RESP_FLAGS, continueSyscall ? USER_NOTIF_FLAG_CONTINUE : 0);
        // A SEND that failed answered nothing: sent again it fails the same way (ENOENT: the caller is gone).
        Linux.check("NOTIF_SEND", Linux.ioctlErrnoOnFailure(notifyFd, IOCTL_NOTIF_SEND, resp));
    }

    /**
     * Installs {@code fd} in the caller and answers the call with the new descriptor in one step
     * ({@code SECCOMP_ADDFD_FLAG_SEND}).
     *
     * @return the descriptor number in the caller
     */
    public static int addFdAndSend(int notifyFd, Buffers buffers, long id, int fd, boolean cloexec)
            throws LinuxException {
        return addFd(notifyFd, buffers, id, fd, cloexec, ADDFD_FLAG_SEND);
    }

    /**
     * Installs {@code fd} in the caller without answering the call (for a runtime that sends the
     * answer itself: the descriptor number goes in its answer).
     *
     * @return the descriptor number in the caller
     */
    public static int addFd(int notifyFd, Buffers buffers, long id, int fd, boolean cloexec) throws LinuxException {
        return addFd(notifyFd, buffers, id, fd, cloexec, 0);
    }

    private static int addFd(int notifyFd, Buffers buffers, long id, int fd, boolean cloexec, int flags)
            throws LinuxException {
        Pointer a = buffers.addfd;
        a.putLong(ADDFD_ID, id);
        a.putInt(ADDFD_FLAGS, flags);
        a.putInt(ADDFD_SRCFD, fd);
        a.putInt(ADDFD_NEWFD, 0);
        a.putInt(ADDFD_NEWFD_FLAGS, cloexec ? Linux.O_CLOEXEC : 0);
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
