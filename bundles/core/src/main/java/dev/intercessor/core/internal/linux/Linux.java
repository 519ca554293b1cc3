package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;

import dev.intercessor.api.Errno;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Thin wrappers over {@link LibC}: each turns {@code -1} into a {@link LinuxException} carrying
 * errno. The one place that knows the kernel's constants and the host's syscall numbers.
 */
public final class Linux {

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NOCTTY = 0400;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_EMPTY_PATH = 0x1000;

    public static final int CLONE_FS = 0x00000200;
    public static final int CLONE_NEWNS = 0x00020000;

    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLONESHOT = 1 << 30;

    public static final short POLLIN = 0x001;
    public static final short POLLHUP = 0x010;

    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_SEQPACKET = 5;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int SO_PEERCRED = 17;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int SOCK_CLOEXEC = O_CLOEXEC;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVTIMEO = 20;
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int SHUT_RDWR = 2;

    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EMSGSIZE = 90;
    public static final int EPIPE = 32;
    public static final int ENAMETOOLONG = 36;

    // Syscalls numbered alike on every architecture (the unified table from 424 on).
    public static final long SYS_PIDFD_OPEN = 434;
    public static final long SYS_OPEN_TREE = 428;
    public static final long SYS_MOVE_MOUNT = 429;
    public static final long SYS_OPENAT2 = 437;
    public static final long SYS_PIDFD_GETFD = 438;

    public static final int OPEN_TREE_CLONE = 1;
    public static final int OPEN_TREE_CLOEXEC = O_CLOEXEC;
    public static final int MOVE_MOUNT_F_EMPTY_PATH = 0x04;
    public static final int MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;

    private static final LibC LIBC = LibraryLoader.create(LibC.class)
            .option(LibraryOption.SaveError, true)
            .load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    private static final LibCUnsaved UNSAVED = LibraryLoader.create(LibCUnsaved.class)
            .option(LibraryOption.IgnoreError, true)
            .load("c");

    /** The supervisor's own architecture, e.g. {@code x86_64}. */
    public static final String HOST_ARCH = hostArch();

    private static final long SYS_SECCOMP = "aarch64".equals(HOST_ARCH) ? 277 : 317;
    private static final long SYS_GETTID = "aarch64".equals(HOST_ARCH) ? 178 : 186;
    private static final long SYS_TGKILL = "aarch64".equals(HOST_ARCH) ? 131 : 234;
    private static final long SYS_GETGROUPS = "aarch64".equals(HOST_ARCH) ? 158 : 115;
    private static final long SYS_SETGROUPS = "aarch64".equals(HOST_ARCH) ? 159 : 116;

    /** A real-time signal HotSpot does not use: it only interrupts a blocking call. */
    public static final int WAKE_SIGNAL = 40;

    private Linux() {
    }

    /**
     * setgroups(2) for the calling thread only. glibc's wrapper applies it to every thread of the
     * process (it signals them all); the system call itself changes one task's credentials.
     */
    public static void setThreadGroups(int[] groups) throws LinuxException {
        Pointer list = allocate(Math.max(4, 4 * groups.length));
        for (int i = 0; i < groups.length; i++) {
            list.putInt(4L * i, groups[i]);
        }
        check("setgroups", LIBC.syscall(SYS_SETGROUPS, groups.length, list, 0, 0, 0));
    }

    /** @return the calling thread's supplementary groups */
    public static int[] threadGroups() throws LinuxException {
        Pointer list = allocate(4 * 65536);
        int n = (int) check("getgroups", LIBC.syscall(SYS_GETGROUPS, 65536, list, 0, 0, 0));
        int[] groups = new int[n];
        for (int i = 0; i < n; i++) {
            groups[i] = list.getInt(4L * i);
        }
        return groups;
    }

    private static String hostArch() {
        String arch = System.getProperty("os.arch");
        switch (arch) {
            case "amd64":
            case "x86_64":
                return "x86_64";
            case "aarch64":
                return "aarch64";
            default:
                throw new IllegalStateException("unsupported host architecture " + arch);
        }
    }

    public static LibC libc() {
        return LIBC;
    }

    /** @return the calls on every trapped call's path, which leave errno unread ({@link LibCUnsaved}) */
    static LibCUnsaved unsaved() {
        return UNSAVED;
    }

    /**
     * An ioctl on a trapped call's path: without errno's save, and only if it fails made again
     * through {@link LibC}, so that {@link #errno()} says why. Only for a request that changes
     * nothing when it fails (so asking again fails the same way, or does what the first did not).
     *
     * @return the ioctl's result
     */
    static int ioctlErrnoOnFailure(int fd, long request, Pointer arg) {
        int result = UNSAVED.ioctl(fd, request, arg);
        return result >= 0 ? result : LIBC.ioctl(fd, request, arg);
    }

    public static Runtime runtime() {
        return RUNTIME;
    }

    /** @return the errno of the last call on this thread */
    public static int errno() {
        return RUNTIME.getLastError();
    }

    /** @return a zeroed native buffer owned by the Java heap (freed when unreachable) */
    public static Pointer allocate(int size) {
        return Memory.allocateDirect(RUNTIME, size, true);
    }

    /** @return {@code path} as the kernel wants it: bytes with a terminating NUL */
    public static byte[] cPath(String path) {
        return cPath(path.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] cPath(byte[] path) {
        byte[] c = new byte[path.length + 1];
        System.arraycopy(path, 0, c, 0, path.length);
        return c;
    }

    static int check(String call, int result) throws LinuxException {
        if (result < 0) {
            throw new LinuxException(call, errno());
        }
        return result;
    }

    static long check(String call, long result) throws LinuxException {
        if (result < 0) {
            throw new LinuxException(call, errno());
        }
        return result;
    }

    /** @return a close-on-exec duplicate of {@code fd}, or -1 (errno set) */
    public static int duplicate(int fd) {
        return LIBC.fcntl(fd, F_DUPFD_CLOEXEC, 0);
    }

    public static void close(int fd) {
        if (fd >= 0) {
            LIBC.close(fd);
        }
    }

    public static int openat(int dirfd, String path, int flags) throws LinuxException {
        return check("openat " + path, LIBC.openat(dirfd, cPath(path), flags | O_CLOEXEC, 0));
    }

    public static int openat(int dirfd, byte[] cPath, int flags) throws LinuxException {
        return check("openat", LIBC.openat(dirfd, cPath, flags | O_CLOEXEC, 0));
    }

    public static int ioctl(int fd, long request, Pointer arg) throws LinuxException {
        return check("ioctl", LIBC.ioctl(fd, request, arg));
    }

    public static long seccomp(int operation, int flags, Pointer arg) throws LinuxException {
        return check("seccomp", LIBC.syscall(SYS_SECCOMP, operation, flags, arg.address(), 0, 0));
    }

    private static final long SYS_BPF = "aarch64".equals(HOST_ARCH) ? 280 : 321;

    /** {@code bpf(cmd, attr, size)}; the kernel's errno as a LinuxException. */
    public static long bpf(int cmd, Pointer attr, int size) throws LinuxException {
        return check("bpf", LIBC.syscall(SYS_BPF, cmd, attr, size, 0, 0));
    }

    /** @return a duplicate of {@code fd} of the process {@code pidfd} refers to */
    public static int pidfdGetfd(int pidfd, int fd) throws LinuxException {
        return (int) check("pidfd_getfd", LIBC.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0, 0, 0));
    }

    // The new mount API and loop devices: the same numbers on x86_64 and aarch64.
    static final long SYS_FSOPEN = 430;
    static final long SYS_FSCONFIG = 431;
    static final long SYS_FSMOUNT = 432;
    static final long SYS_MOUNT_SETATTR = 442;
    static final int FSCONFIG_SET_FLAG = 0;
    static final int FSCONFIG_SET_STRING = 1;
    static final int FSCONFIG_CMD_CREATE = 6;
    static final int MOUNT_ATTR_RDONLY = 0x1;
    static final int MOUNT_ATTR_NOSUID = 0x2;
    static final int MOUNT_ATTR_NODEV = 0x4;
    static final int MOUNT_ATTR_NOEXEC = 0x8;
    static final int MOUNT_ATTR_NOATIME = 0x10;
    static final long MOUNT_ATTR_IDMAP = 0x100000;
    static final long LOOP_CTL_GET_FREE = 0x4C82;
    static final long LOOP_CONFIGURE = 0x4C0A;
    static final int LO_FLAGS_READ_ONLY = 1;
    static final int LO_FLAGS_AUTOCLEAR = 4;

    /** {@code PIDFD_THREAD}: a pidfd for a thread, not only a thread group leader (6.9+). */
    private static final int PIDFD_THREAD = 0200;

    /** @return a pidfd for the thread {@code tid} (a notification's pid is a tid) */
    public static int pidfdOpenThread(int tid) throws LinuxException {
        return (int) check("pidfd_open", LIBC.syscall(SYS_PIDFD_OPEN, tid, PIDFD_THREAD, 0, 0, 0));
    }

    /** @return whether the thread or process of {@code pidfd} has exited (it polls readable then) */
    public static boolean exited(int pidfd) {
        Scratch scratch = Scratch.get();
        PollFds.watchReadable(scratch.pollfd, 0, pidfd);
        return PollFds.pollNow(scratch.pollfd, 1) != 0;
    }

    /**
     * Zeroes {@code [from, to)} of {@code p} with plain stores: {@code setMemory} is a call into the
     * JVM, which costs more than these few words on the path of every trapped call.
     */
    static void zero(Pointer p, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            p.putLong(i, 0);
        }
        for (; i < to; i++) {
            p.putByte(i, (byte) 0);
        }
    }

    /** @return the calling thread's kernel id */
    public static int gettid() {
        return (int) LIBC.syscall(SYS_GETTID, 0, 0, 0, 0, 0);
    }

    private static final ThreadLocal<Pointer> WAKE_SET = ThreadLocal.withInitial(() -> {
        Pointer set = allocate(128);
        set.putLong(0, 1L << (WAKE_SIGNAL - 1));
        return set;
    });

    /**
     * Lets {@link #WAKE_SIGNAL} reach the calling thread (a thread may have inherited a mask that
     * blocks it). Its sender makes sure it comes only while the thread waits where an interruption
     * is harmless.
     */
    public static void acceptWake() {
        LIBC.pthread_sigmask(1, WAKE_SET.get(), null); // SIG_UNBLOCK
    }

    /** Sends {@link #WAKE_SIGNAL} to one thread of this process. */
    public static void wake(int tid) {
        LIBC.syscall(SYS_TGKILL, ProcessHandle.current().pid(), tid, WAKE_SIGNAL, 0, 0);
    }

    /**
     * Makes {@link #WAKE_SIGNAL} interrupt a blocking system call (EINTR, no SA_RESTART) and do
     * nothing else. The handler is libc's own getpid: async-signal-safe, harmless, and no Java
     * code runs in signal context. glibc's struct sigaction: handler, 128-byte mask, flags,
     * restorer (glibc fills in the restorer). Installing it again changes nothing.
     */
    public static void installWakeSignal() throws LinuxException {
        long handler = com.kenai.jffi.Library.getDefault().getSymbolAddress("getpid");
        if (handler == 0) {
            throw new LinuxException("dlsym getpid", Errno.ENOSYS);
        }
        Pointer action = allocate(152);
        action.putLong(0, handler);
        check("sigaction", LIBC.sigaction(WAKE_SIGNAL, action, null));
    }

    public static int unshare(int flags) throws LinuxException {
        return check("unshare", LIBC.unshare(flags));
    }

    public static int setns(int fd, int type) throws LinuxException {
        return check("setns", LIBC.setns(fd, type));
    }

    public static int fchdir(int fd) throws LinuxException {
        return check("fchdir", LIBC.fchdir(fd));
    }

    private static final byte[] DOT = cPath(".");

    /** {@code chroot(".")}: makes the working directory the thread's root. */
    public static void chrootHere() throws LinuxException {
        check("chroot", LIBC.chroot(DOT));
    }

    public static long read(int fd, Pointer buffer, long count) throws LinuxException {
        return check("read", LIBC.read(fd, buffer, count));
    }

    private static final ThreadLocal<Pointer> LINK_BUFFER = ThreadLocal.withInitial(() -> allocate(4096));

    /** @return the link's target, as raw bytes */
    public static byte[] readlinkat(int dirfd, String path) throws LinuxException {
        Pointer buffer = LINK_BUFFER.get();
        long n = check("readlinkat " + path, LIBC.readlinkat(dirfd, cPath(path), buffer, 4096));
        byte[] target = new byte[(int) n];
        buffer.get(0, target, 0, target.length);
        return target;
    }

    /** {@code unlinkat(dirfd, path, 0)}: removes a file; the caller does not mind if it is gone. */
    public static int unlinkat(int dirfd, String path) {
        return LIBC.unlinkat(dirfd, cPath(path), 0);
    }
}
