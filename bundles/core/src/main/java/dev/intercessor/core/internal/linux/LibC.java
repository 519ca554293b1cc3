package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/** The C library functions core calls. Package-private: only {@link Linux} wraps them. */
public interface LibC {

    int close(int fd);

    int ioctl(int fd, long request, Pointer arg);

    int ioctl(int fd, long request, long arg);

    int epoll_create1(int flags);

    int epoll_ctl(int epfd, int op, int fd, Pointer event);

    int epoll_wait(int epfd, Pointer events, int maxEvents, int timeout);

    int eventfd(int initval, int flags);

    int ppoll(Pointer fds, long count, Pointer timeout, Pointer sigmask);

    int sigaction(int signal, Pointer action, Pointer old);

    int pthread_sigmask(int how, Pointer set, Pointer old);

    int socket(int domain, int type, int protocol);

    int bind(int fd, Pointer address, int length);

    int listen(int fd, int backlog);

    int accept4(int fd, Pointer address, Pointer length, int flags);

    int connect(int fd, Pointer address, int length);

    long recvmsg(int fd, Pointer message, int flags);

    long sendmsg(int fd, Pointer message, int flags);

    int setsockopt(int fd, int level, int option, Pointer value, int length);

    int getsockopt(int fd, int level, int option, Pointer value, Pointer length);

    int fcntl(int fd, int command, int argument);

    int shutdown(int fd, int how);

    int openat(int dirfd, @In byte[] path, int flags, int mode);

    int flock(int fd, int operation);

    long read(int fd, Pointer buffer, long count);

    long write(int fd, Pointer buffer, long count);

    long pread64(int fd, Pointer buffer, long count, long offset);

    long pwrite64(int fd, Pointer buffer, long count, long offset);

    int setns(int fd, int nstype);

    int unshare(int flags);

    int setfsuid(int uid);

    int setfsgid(int gid);

    int umask(int mask);

    int chroot(@In byte[] path);

    int fchdir(int fd);

    int mknodat(int dirfd, @In byte[] path, int mode, long dev);

    int statx(int dirfd, @In byte[] path, int flags, int mask, @Out Pointer buffer);

    int capget(Pointer header, Pointer data);

    int capset(Pointer header, Pointer data);

    long readlinkat(int dirfd, @In byte[] path, Pointer buffer, long size);

    int fchmodat(int dirfd, @In byte[] path, int mode, int flags);

    int fsetxattr(int fd, @In byte[] name, @In byte[] value, long size, int flags);

    int sched_setscheduler(int pid, int policy, Pointer param);

    int sched_setparam(int pid, Pointer param);

    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    int unlinkat(int dirfd, @In byte[] path, int flags);

    int fchownat(int dirfd, @In byte[] path, int uid, int gid, int flags);

    /**
     * Only for calls of at most four arguments: through this all-long overload the fifth (a5)
     * reaches the kernel as garbage (seen with strace: move_mount's flags, fsconfig's aux). The
     * overloads below, with a Pointer among the arguments, pass it correctly.
     */
    long syscall(long number, long a1, long a2, long a3, long a4, long a5);

    long syscall(long number, long a1, Pointer a2, long a3, long a4, long a5);

    /** fsconfig(fd, cmd, key, value, aux): strings passed as pointers, which jnr keeps alive. */
    long syscall(long number, long a1, long a2, Pointer a3, Pointer a4, long a5);

    /** mount_setattr(dfd, path, flags, attr, size). */
    long syscall(long number, long a1, Pointer a2, long a3, Pointer a4, long a5);

    /** fsopen(name, flags). */
    long syscall(long number, Pointer a1, long a2, long a3, long a4, long a5);
}
