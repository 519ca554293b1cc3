package dev.intercessor.core.internal.linux;

import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;

import dev.intercessor.api.CallerAction;
import dev.intercessor.api.CallerFd;
import dev.intercessor.api.CallerNamespace;
import dev.intercessor.api.Capability;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Credentials;
import dev.intercessor.api.Errno;
import dev.intercessor.api.NamespaceAction;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

/**
 * The calling process, reached through a {@code /proc/<tid>} directory handle opened before the
 * notification id was checked: if the caller dies, the handle goes stale instead of following its
 * pid to another process (DESIGN.md §2.2).
 */
public final class ProcTarget implements Target, AutoCloseable {

    private final HostFacilities host;
    private final int notifyFd;
    /** Whether {@link #close} closes the notify fd (a duplicate made for this call alone). */
    private boolean ownsNotifyFd;
    private final long id;
    private final int pid;
    /**
     * The caller's /proc directory, pidfd and memory handles: opened on first use and then checked
     * with NOTIF_ID_VALID, or taken from the channel's cache if they are still this thread's.
     */
    private CallerHandles handles;
    private final CallerHandles.Cache cache;
    /**
     * What the poll before this call saw of the cached handles, copied when the call came in (the
     * poll's record is the serving thread's, and a handler may first reach the caller later, from
     * another thread): the handles it watched (null once used, or if none), and whether their
     * thread ended.
     */
    private CallerHandles vouched;
    private final boolean vouchedEnded;
    private final ContainerInit init;
    private int[] groups;
    private Credentials credentials;
    private CallerMemory memory;

    /**
     * Something a handler read of the caller's memory, kept so the trace and audit log show the
     * arguments as the handler saw them (nothing is read twice).
     *
     * @param address  where
     * @param data     the first {@value CallerMemory#KEPT_BYTES} bytes (without a C string's NUL)
     * @param length   how many bytes were read in all
     * @param cString  read as a NUL-terminated string
     */
    public record MemoryRead(long address, byte[] data, int length, boolean cString) {
    }

    /**
     * A target for the caller of notification {@code id}. Nothing is opened yet: a handler that
     * answers from what it knows costs no system call here.
     *
     * @param host  what the host gives every call (device store, FUSE helper, cgroup mounts)
     * @param cache the channel's cached handles, or null to open (and close) the caller's own
     * @param seen  what this thread's poll before the call saw of them, or null
     */
    public ProcTarget(HostFacilities host, int notifyFd, long id, int pid, ContainerInit init,
            CallerHandles.Cache cache, CallerHandles.Seen seen) {
        this.host = host;
        this.init = init;
        this.cache = cache;
        this.vouched = seen == null ? null : seen.handles;
        this.vouchedEnded = seen != null && seen.ended;
        this.notifyFd = notifyFd;
        this.id = id;
        this.pid = pid;
    }

    /**
     * The caller's /proc directory: the channel's cached one if it is this thread's (alive, so its
     * number is its own), else opened first and then the id checked, so it is the caller's.
     */
    int procDir() throws SyscallException {
        if (handles == null) {
            CallerHandles h = cache == null ? null : cache.take(pid, vouched, vouchedEnded);
            vouched = null;
            if (h == null) {
                h = CallerHandles.open(pid);
                if (h == null) {
                    throw gone();
                }
                if (!stillWaiting()) {
                    h.close();
                    throw gone();
                }
            }
            handles = h;
        }
        return handles.procDir;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public boolean stillWaiting() {
        return Seccomp.idValid(notifyFd, Scratch.get().id, id);
    }

    SyscallException gone() {
        return new SyscallException(Errno.ESRCH, "caller " + pid + " is gone");
    }

    /** @return the caller's /proc/<tid>/mem, opened on first use */
    int mem() throws SyscallException {
        procDir();
        try {
            return handles.mem(cache);
        } catch (LinuxException e) {
            throw gone();
        }
    }

    /** @return the caller's /proc/<tid>/maps, opened on first use */
    int maps() throws SyscallException {
        procDir();
        try {
            return handles.maps(cache);
        } catch (LinuxException e) {
            throw gone();
        }
    }

    /** The caller's memory, reached on first use. */
    private CallerMemory memory() {
        if (memory == null) {
            memory = new CallerMemory(this, host);
        }
        return memory;
    }

    @Override
    public byte[] read(long address, int length) throws SyscallException {
        return memory().read(address, length);
    }

    @Override
    public byte[] readCString(long address, int maxLength) throws SyscallException {
        return memory().readCString(address, maxLength);
    }

    @Override
    public void write(long address, byte[] data) throws SyscallException {
        memory().write(address, data);
    }

    /** @return what the handler read of the caller's memory, by address (kept after close); null if nothing */
    public LongFunction<MemoryRead> reads() {
        return memory == null ? null : memory.reads();
    }

    /** struct procmap_query's size, for the thread's scratch buffer ({@link ProcmapQuery}). */
    static final int PROCMAP_QUERY_SIZE = ProcmapQuery.SIZE;

    /** Reads a small file of the caller's /proc directory, then checks it is still the caller. */
    String readProcFile(String name) throws SyscallException {
        try {
            // No NOTIF_ID_VALID needed: procDir was opened before the id was checked, and a
            // /proc/<pid> directory fd never leads to another process, even if the pid is reused.
            return ContainerInit.readFile(procDir(), name);
        } catch (LinuxException e) {
            throw gone();
        }
    }

    /**
     * The caller's credentials. Its capabilities count only in the container's own user namespace:
     * a process that made a nested one ({@code unshare -U}) holds every capability there, and
     * nothing for the container; it gets an empty set, so handlers leave it to the kernel.
     */
    @Override
    public Credentials credentials() throws SyscallException {
        if (credentials == null) {
            String status = readProcFile("status");
            Credentials c = ProcStatus.parse(status);
            groups = ProcStatus.groups(status);
            String userNamespace;
            try {
                userNamespace = ContainerInit.link(procDir(), "ns/user");
            } catch (LinuxException e) {
                throw gone();
            }
            if (!userNamespace.equals(init.userNamespace())) {
                c = new Credentials(c.uid(), c.euid(), c.fsuid(), c.gid(), c.egid(), c.fsgid(), 0, c.umask());
            }
            credentials = c;
        }
        return credentials;
    }

    /** @return the caller's supplementary groups (host ids), read with its credentials */
    private int[] groups() throws SyscallException {
        credentials();
        return groups;
    }

    private String cgroupText;

    @Override
    public Optional<CgroupDirectory> cgroup(String controller) throws SyscallException {
        CgroupMounts mounts = host.cgroupMounts();
        if (cgroupText == null) {
            cgroupText = readProcFile("cgroup");
        }
        return mounts.locate(controller, cgroupText);
    }

    @Override
    public Optional<CgroupDirectory> containerCgroup(String controller) throws SyscallException {
        CgroupMounts mounts = host.cgroupMounts();
        String text;
        try {
            text = init.read("cgroup"); // through the init's /proc directory, never its pid again
        } catch (LinuxException e) {
            throw new SyscallException(Errno.ESRCH, "the container's init is gone: " + e.getMessage());
        }
        if (!stillWaiting()) {
            throw gone();
        }
        return mounts.locate(controller, text);
    }

    /** @return the caller's container, as it attached */
    ContainerInit containerInit() {
        return init;
    }

    @Override
    public CallerFd takeFd(int fd) throws SyscallException {
        int pidfd;
        try {
            pidfd = Linux.pidfdOpenThread(pid);
        } catch (LinuxException e) {
            throw gone();
        }
        int copy;
        try {
            if (!stillWaiting()) { // the pidfd is the caller's: its tid was still waiting after
                throw gone();
            }
            copy = Linux.pidfdGetfd(pidfd, fd);
        } catch (LinuxException e) {
            throw new SyscallException(e.errno() == Errno.ESRCH ? Errno.ESRCH : Errno.EBADF,
                    "cannot take the caller's fd " + fd + ": " + e.getMessage());
        } finally {
            Linux.close(pidfd);
        }
        return new TakenFd(copy);
    }

    /**
     * Opens a file below the caller's checked /proc directory.
     *
     * @throws SyscallException ESRCH if the caller is gone
     */
    int openProcFile(String name, int flags) throws SyscallException, LinuxException {
        return Linux.openat(procDir(), name, flags);
    }

    @Override
    public void mountImage(int dirfd, dev.intercessor.api.ImageMount mount) throws SyscallException {
        ImageMounter.mount(this, dirfd, mount);
    }

    /** The most {@link #readSource} reads at once: superblocks sit within the first 64 KiB and a bit. */
    public static final int SOURCE_READ_MAX = ImageMounter.SOURCE_READ_MAX;

    /** {@link dev.intercessor.api.ImageMounts#readSource}: the source opened read-only as the caller. */
    public byte[] readSource(int dirfd, String source, long offset, int length) throws SyscallException {
        return ImageMounter.readSource(this, dirfd, source, offset, length);
    }

    @Override
    public void mountFuse(int dirfd, dev.intercessor.api.ImageMount mount, String server) throws SyscallException {
        FuseMounter.mount(this, host.fuseHelper(), host.cgroupMounts(), dirfd, mount, server);
    }

    /** The container's uid map (its init's), not the caller's: a nested namespace maps anything to 0. */
    @Override
    public int containerUid(int hostUid) throws SyscallException {
        return init.containerUid(hostUid);
    }

    @Override
    public void setScheduler(int pid, int policy, int priority) throws SyscallException {
        CallerNamespaces.setScheduler(this, pid, policy, priority);
    }

    @Override
    public int containerInitPid() {
        return init.pid();
    }

    @Override
    public long namespaceInode(String namespace) throws SyscallException {
        return CallerNamespaces.inode(this, namespace);
    }

    @Override
    public <T> T asCaller(int dirfd, Set<Capability> capabilities, CallerAction<T> action)
            throws SyscallException {
        CallerIdentity identity;
        try {
            identity = CallerIdentity.forCurrentThread();
        } catch (LinuxException e) {
            throw new SyscallException(Errno.ENOSYS, "cannot switch identity: " + e.getMessage());
        }
        Credentials who = credentials();
        int mnt = -1;
        int root = -1;
        int dir = -1;
        try {
            mnt = Linux.openat(procDir(), "ns/mnt", Linux.O_RDONLY);
            root = Linux.openat(procDir(), "root", Linux.O_PATH | Linux.O_DIRECTORY);
            dir = openDirectory(dirfd);
            if (!stillWaiting()) {
                throw gone();
            }
            identity.enter(init, mnt, root, dir, who, groups(), capabilities);
            try {
                return action.run(new CallerFiles(identity, host.deviceReplicas()));
            } finally {
                identity.leave();
            }
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(dir);
            Linux.close(root);
            Linux.close(mnt);
        }
    }

    @Override
    public <T> T inCallerNamespaces(Set<CallerNamespace> namespaces, NamespaceAction<T> action)
            throws SyscallException {
        return CallerNamespaces.run(this, namespaces, action);
    }

    private int openDirectory(int dirfd) throws LinuxException, SyscallException {
        if (dirfd == AT_FDCWD) {
            return Linux.openat(procDir(), "cwd", Linux.O_PATH | Linux.O_DIRECTORY);
        }
        if (dirfd < 0) {
            throw new SyscallException(Errno.EBADF, "bad dirfd " + dirfd);
        }
        try {
            return Linux.openat(procDir(), "fd/" + dirfd, Linux.O_PATH | Linux.O_DIRECTORY);
        } catch (LinuxException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new SyscallException(Errno.EBADF, "caller has no fd " + dirfd);
            }
            throw e;
        }
    }

    /**
     * Makes {@link #close} close the notify fd too: a duplicate made for this call alone (a relayed
     * notification's listener, which the next notification may not share).
     *
     * @return this
     */
    public ProcTarget closingNotifyFd() {
        ownsNotifyFd = true;
        return this;
    }

    @Override
    public void close() {
        if (ownsNotifyFd) {
            ownsNotifyFd = false;
            Linux.close(notifyFd);
        }
        if (handles == null) {
            return;
        }
        if (cache != null) {
            cache.give(handles);
        } else {
            handles.close();
        }
        handles = null;
    }
}
