package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
import jnr.ffi.Pointer;

/**
 * The calling process, reached through a {@code /proc/<tid>} directory handle opened before the
 * notification id was checked: if the caller dies, the handle goes stale instead of following its
 * pid to another process (DESIGN.md §2.2).
 */
public final class ProcTarget implements Target, AutoCloseable {

    private static final int PAGE = 4096;

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
    private List<MemoryRead> reads;

    /** How much of each read is kept for the trace, and how many reads. */
    private static final int KEPT_BYTES = 256;
    private static final int KEPT_READS = 8;

    /**
     * Something a handler read of the caller's memory, kept so the trace and audit log show the
     * arguments as the handler saw them (nothing is read twice).
     *
     * @param address  where
     * @param data     the first {@value #KEPT_BYTES} bytes (without a C string's NUL)
     * @param length   how many bytes were read in all
     * @param cString  read as a NUL-terminated string
     */
    public record MemoryRead(long address, byte[] data, int length, boolean cString) {
    }

    private void remember(long address, byte[] data, boolean cString) {
        if (reads == null) {
            reads = new ArrayList<>(4);
        }
        if (reads.size() < KEPT_READS) {
            reads.add(new MemoryRead(address, Arrays.copyOf(data, Math.min(data.length, KEPT_BYTES)),
                    data.length, cString));
        }
    }

    /** @return what was read at {@code address}, if a handler read there */
    public MemoryRead readAt(long address) {
        if (reads != null) {
            for (MemoryRead r : reads) {
                if (r.address() == address) {
                    return r;
                }
            }
        }
        return null;
    }

    /**
     * A target for the caller of notification {@code id}. Nothing is opened yet: a handler that
     * answers from what it knows costs no system call here.
     *
     * @param cache the channel's cached handles, or null to open (and close) the caller's own
     * @param seen  what this thread's poll before the call saw of them, or null
     */
    public ProcTarget(int notifyFd, long id, int pid, ContainerInit init, CallerHandles.Cache cache,
            CallerHandles.Seen seen) {
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
    private int procDir() throws SyscallException {
        if (handles == null) {
            CallerHandles h = cache == null ? null : cache.take(pid, vouched, vouchedEnded);
            vouched = null;
            if (h == null) {
                int dir;
                int pidfd;
                try {
                    dir = Linux.openat(Linux.AT_FDCWD, "/proc/" + pid, Linux.O_PATH | Linux.O_DIRECTORY);
                } catch (LinuxException e) {
                    throw gone();
                }
                try {
                    pidfd = Linux.pidfdOpenThread(pid);
                } catch (LinuxException e) {
                    Linux.close(dir);
                    throw gone();
                }
                h = new CallerHandles(pid, pidfd, dir);
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

    private SyscallException gone() {
        return new SyscallException(Errno.ESRCH, "caller " + pid + " is gone");
    }

    private int mem() throws SyscallException {
        int dir = procDir();
        if (handles.mem < 0) {
            startMemory();
            try {
                // Read-write: writes go through it too, bound to the caller's process, not its pid.
                handles.mem = Linux.openat(dir, "mem", Linux.O_RDWR);
            } catch (LinuxException e) {
                throw gone();
            }
        }
        return handles.mem;
    }

    private int maps() throws SyscallException {
        int dir = procDir();
        if (handles.maps < 0) {
            startMemory();
            try {
                handles.maps = Linux.openat(dir, "maps", Linux.O_RDONLY);
            } catch (LinuxException e) {
                throw gone();
            }
        }
        return handles.maps;
    }

    /** Before the first memory handle is opened: the exec generation both are good for. */
    private void startMemory() {
        if (handles.mem < 0 && handles.maps < 0 && cache != null) {
            // While the caller waits on this call it cannot exec: both handles reach the same memory.
            handles.generation = cache.generation();
        }
    }

    /** Reads what it can; returns the count read (short at the first unreadable byte). */
    private int readSome(long address, Pointer into, int length) throws SyscallException {
        int fd = mem();
        int done = 0;
        while (done < length) {
            long n = Linux.libc().pread64(fd, into.slice(done), length - done, address + done);
            if (n <= 0) {
                break;
            }
            done += (int) n;
        }
        return done;
    }

    @Override
    public byte[] read(long address, int length) throws SyscallException {
        if (length < 0) {
            throw new SyscallException(Errno.EINVAL, "negative length");
        }
        Pointer buffer = Scratch.get().buffer(Math.max(1, length));
        if (readSome(address, buffer, length) != length) {
            throw stillWaiting() ? new SyscallException(Errno.EFAULT,
                    "cannot read " + length + " bytes at 0x" + Long.toHexString(address)) : gone();
        }
        byte[] data = new byte[length];
        buffer.get(0, data, 0, length);
        remember(address, data, false);
        return data;
    }

    @Override
    public byte[] readCString(long address, int maxLength) throws SyscallException {
        Pointer page = Scratch.get().page;
        byte[] result = new byte[Math.min(maxLength, PAGE)];
        int length = 0;
        long at = address;
        while (length < maxLength) {
            // Never read across a page boundary in one go: the next page may be unmapped.
            int chunk = (int) Math.min(PAGE - (at & (PAGE - 1)), maxLength - length);
            int n = readSome(at, page, chunk);
            for (int i = 0; i < n; i++) {
                byte b = page.getByte(i);
                if (b == 0) {
                    byte[] string = new byte[length];
                    System.arraycopy(result, 0, string, 0, length);
                    remember(address, string, true);
                    return string;
                }
                if (length == result.length) {
                    byte[] bigger = new byte[Math.min(maxLength, result.length * 2)];
                    System.arraycopy(result, 0, bigger, 0, length);
                    result = bigger;
                }
                result[length++] = b;
            }
            if (n < chunk) {
                throw stillWaiting() ? new SyscallException(Errno.EFAULT,
                        "unreadable string at 0x" + Long.toHexString(address)) : gone();
            }
            at += n;
        }
        throw new SyscallException(Errno.ENAMETOOLONG, "string at 0x" + Long.toHexString(address)
                + " has no NUL within " + maxLength + " bytes");
    }

    /** PROCMAP_QUERY (Linux 6.11): the mapping at an address, from a /proc/<pid>/maps fd. */
    static final int PROCMAP_QUERY_SIZE = 104;
    private static final long PROCMAP_QUERY = 0xc0000000L | (PROCMAP_QUERY_SIZE << 16) | ('f' << 8) | 17;
    private static final long PROCMAP_QUERY_VMA_WRITABLE = 0x02;
    private static volatile boolean mapQueryMissing;

    /**
     * Checks [address, address + length) is mapped writable in the caller, as copy_to_user would
     * need: writes through /proc/<pid>/mem are FOLL_FORCE and would also land on read-only pages.
     */
    private void checkWritable(long address, int length) throws SyscallException {
        if (length == 0 || mapQueryMissing) {
            return;
        }
        Pointer q = Scratch.get().mapQuery;
        long end = address + length;
        for (long at = address; Long.compareUnsigned(at, end) < 0; ) {
            q.setMemory(0, PROCMAP_QUERY_SIZE, (byte) 0);
            q.putLong(0, PROCMAP_QUERY_SIZE);
            q.putLong(8, PROCMAP_QUERY_VMA_WRITABLE); // only a writable mapping covering `at`
            q.putLong(16, at);
            if (Linux.libc().ioctl(maps(), PROCMAP_QUERY, q) < 0) {
                if (Linux.errno() == Errno.ENOTTY) {
                    mapQueryMissing = true; // an older kernel: ptrace's rules, as documented
                    return;
                }
                throw stillWaiting() ? new SyscallException(Errno.EFAULT, "no writable mapping at 0x"
                        + Long.toHexString(at)) : gone();
            }
            at = q.getLong(32); // vma_end
        }
    }

    @Override
    public void write(long address, byte[] data) throws SyscallException {
        Pointer local = Scratch.get().buffer(Math.max(1, data.length));
        local.put(0, data, 0, data.length);
        checkWritable(address, data.length);
        int fd = mem();
        // Through /proc/<pid>/mem of the checked directory: it reaches the caller's memory even if
        // its pid were reused meanwhile (process_vm_writev goes by number; pid_max is 32768 here).
        // No NOTIF_ID_VALID first: the fd is the caller's memory whatever happens to the caller,
        // and a check just before the write would not stop a caller from leaving just after it.
        int done = 0;
        while (done < data.length) {
            long n = Linux.libc().pwrite64(fd, local.slice(done), data.length - done, address + done);
            if (n <= 0) {
                break;
            }
            done += (int) n;
        }
        if (done != data.length) {
            throw stillWaiting() ? new SyscallException(Errno.EFAULT,
                    "cannot write " + data.length + " bytes at 0x" + Long.toHexString(address)) : gone();
        }
    }

    /** Reads a small file of the caller's /proc directory, then checks it is still the caller. */
    private String readProcFile(String name) throws SyscallException {
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

    private static volatile CgroupMounts cgroupMounts;
    private String cgroupText;

    /** The host's cgroup mounts, read once for the supervisor's life. */
    private static CgroupMounts hostCgroupMounts() throws SyscallException {
        CgroupMounts mounts = cgroupMounts;
        if (mounts == null) {
            try {
                mounts = CgroupMounts.ofHost();
            } catch (IOException e) {
                throw new SyscallException(Errno.EIO, "cannot read the host's cgroup mounts: " + e);
            }
            cgroupMounts = mounts;
        }
        return mounts;
    }

    @Override
    public Optional<CgroupDirectory> cgroup(String controller) throws SyscallException {
        CgroupMounts mounts = hostCgroupMounts();
        if (cgroupText == null) {
            cgroupText = readProcFile("cgroup");
        }
        return mounts.locate(controller, cgroupText);
    }

    @Override
    public Optional<CgroupDirectory> containerCgroup(String controller) throws SyscallException {
        CgroupMounts mounts = hostCgroupMounts();
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
        return new CallerFd() {
            private boolean closed;

            @Override
            public int fd() {
                return copy;
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    Linux.close(copy);
                }
            }
        };
    }

    @Override
    public void mountImage(int dirfd, dev.intercessor.api.ImageMount mount) throws SyscallException {
        int userns = -1;
        try {
            if (mount.idmapped()) {
                userns = Linux.openat(procDir(), "ns/user", Linux.O_RDONLY);
            }
            final int ns = userns;
            DeviceCgroupRules devices = deviceRules();
            asCaller(dirfd, Set.of(), fs -> {
                ((CallerIdentity) fs).mountImage(mount, ns, devices);
                return null;
            });
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(userns);
        }
    }

    /** The most {@link #readSource} reads at once: superblocks sit within the first 64 KiB and a bit. */
    public static final int SOURCE_READ_MAX = 65536;

    /** {@link dev.intercessor.api.ImageMounts#readSource}: the source opened read-only as the caller. */
    public byte[] readSource(int dirfd, String source, long offset, int length) throws SyscallException {
        if (offset < 0 || length < 0 || length > SOURCE_READ_MAX) {
            throw new SyscallException(Errno.EINVAL, "a source read of " + length + " bytes at " + offset
                    + " (at most " + SOURCE_READ_MAX + ")");
        }
        DeviceCgroupRules devices = deviceRules();
        return asCaller(dirfd, Set.of(), fs -> {
            try {
                return ((CallerIdentity) fs).readSource(source, offset, length, devices);
            } catch (LinuxException e) {
                throw e.toSyscallException();
            }
        });
    }

    /**
     * @return the caller's device rules: its cgroup v1 {@code devices.list}, read now (before the
     *         identity switch); none without a v1 devices hierarchy (v2 rules are a BPF program)
     */
    private DeviceCgroupRules deviceRules() throws SyscallException {
        Optional<CgroupDirectory> cgroup = cgroup("devices");
        if (cgroup.isEmpty() || cgroup.get().version() != 1) {
            return DeviceCgroupRules.unknown("no cgroup v1 devices controller to read (cgroup v2 device "
                    + "rules are a BPF program, which cannot be read back)");
        }
        try {
            return DeviceCgroupRules.parse(Files.readString(cgroup.get().path().resolve("devices.list")));
        } catch (IOException e) {
            return DeviceCgroupRules.unknown("cannot read " + cgroup.get().path() + "/devices.list: " + e.getMessage());
        }
    }

    /** The mount-to-FUSE helper (libexec/intercessor-fuse of the distribution); set by the supervisor. */
    public static volatile Path fuseHelper = Path.of("libexec/intercessor-fuse");
    /** The helper bounds itself at 8 s (5 s for the server to answer); this is the backstop. */
    private static final long FUSE_TIMEOUT_SECONDS = 10;
    /** The caller's namespaces the FUSE server joins, in the helper's order. */
    private static final String[] FUSE_NAMESPACES = {"user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"};

    /**
     * @return whether {@code server} is a FUSE server the helper runs: a normalized absolute path
     *         under {@code /usr/}, no component empty, "." or ".."
     */
    static boolean isFuseServerPath(String server) {
        return server.startsWith("/usr/") && server.length() <= 200
                && server.matches("(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+");
    }

    @Override
    public void mountFuse(int dirfd, dev.intercessor.api.ImageMount mount, String server) throws SyscallException {
        if (!isFuseServerPath(server)) {
            throw new SyscallException(Errno.EINVAL, "a FUSE server is an absolute path under /usr/: " + server);
        }
        DeviceCgroupRules devices = deviceRules();
        int[] fds = asCaller(dirfd, Set.of(), fs -> {
            try {
                return ((CallerIdentity) fs).openForMount(mount, devices);
            } catch (LinuxException e) {
                throw e.toSyscallException();
            }
        });
        List<Integer> held = new ArrayList<>();
        Process helper = null;
        try {
            // The caller's namespaces and cgroup directories, found through its checked /proc
            // directory: the helper never looks its pid up again, nor parses a path the container
            // wrote. It reaches all of these through /proc/<supervisor>/fd while this thread holds them.
            java.util.StringJoiner namespaces = new java.util.StringJoiner(",");
            for (String name : FUSE_NAMESPACES) {
                int fd = Linux.openat(procDir(), "ns/" + name, Linux.O_RDONLY);
                held.add(fd);
                namespaces.add(Integer.toString(fd));
            }
            java.util.StringJoiner cgroups = new java.util.StringJoiner(",");
            for (CgroupDirectory directory : hostCgroupMounts().all(readProcFile("cgroup"))) {
                int fd = Linux.openat(Linux.AT_FDCWD, directory.path().toString(),
                        Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_NOFOLLOW);
                held.add(fd);
                cgroups.add(Integer.toString(fd));
            }
            long boundingSet = ProcStatus.boundingSet(readProcFile("status"));
            if (!stillWaiting()) {
                throw gone();
            }
            helper = new ProcessBuilder(fuseHelper.toString(), "mount",
                    Long.toString(ProcessHandle.current().pid()), Integer.toString(fds[0]),
                    Integer.toString(fds[1]), namespaces.toString(), cgroups.toString(),
                    Long.toHexString(boundingSet), mount.fstype(), server, attributes(mount))
                    .redirectErrorStream(true).start();
            helper.getOutputStream().close();
            if (!helper.waitFor(FUSE_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new SyscallException(Errno.ENODEV, "the FUSE helper did not finish in "
                        + FUSE_TIMEOUT_SECONDS + " s");
            }
            // What it wrote before exiting is in the pipe; never wait for its end, which a server
            // left holding it by mistake would keep open.
            java.io.InputStream output = helper.getInputStream();
            String out = new String(output.readNBytes(output.available()), StandardCharsets.UTF_8).trim();
            if (helper.exitValue() != 0 || !out.startsWith("ok")) {
                throw new SyscallException(Errno.ENODEV, "mount-to-FUSE failed: " + out);
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.ENODEV, "cannot run " + fuseHelper + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.ENODEV, "cannot place the FUSE server in the caller's cgroups: "
                    + e.getMessage());
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted");
        } finally {
            if (helper != null && helper.isAlive()) {
                stopHelper(helper);
            }
            for (int f : held) {
                Linux.close(f);
            }
            Linux.close(fds[0]);
            Linux.close(fds[1]);
        }
    }

    /**
     * SIGTERM first: the helper then takes its mount off the target, which ends its server once
     * nothing holds the mount (docs/MOUNT-TO-FUSE.md); SIGKILL if it has not ended within a second.
     */
    private static void stopHelper(Process helper) {
        helper.destroy();
        try {
            if (helper.waitFor(1, java.util.concurrent.TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        helper.destroyForcibly();
    }

    /** @return the helper's ATTRS word: "rw", or ro/noexec/noatime as asked */
    static String attributes(dev.intercessor.api.ImageMount m) {
        java.util.StringJoiner attrs = new java.util.StringJoiner(",");
        attrs.add(m.readOnly() ? "ro" : "rw");
        if (m.noExec()) {
            attrs.add("noexec");
        }
        if (m.noAtime()) {
            attrs.add("noatime");
        }
        return attrs.toString();
    }

    /** The container's uid map (its init's), not the caller's: a nested namespace maps anything to 0. */
    @Override
    public int containerUid(int hostUid) throws SyscallException {
        return init.containerUid(hostUid);
    }

    @Override
    public void setScheduler(int pid, int policy, int priority) throws SyscallException {
        if (pid < 0) {
            throw new SyscallException(Errno.EINVAL, "negative pid " + pid);
        }
        String namespace = namespaceLink("pid");
        int hostTid = pid == 0 ? this.pid : PidNamespaces.hostTid(namespace, pid);
        if (hostTid <= 0) {
            throw new SyscallException(Errno.ESRCH, "no thread " + pid + " in the caller's pid namespace");
        }
        // sched_setscheduler takes a number. Hold the thread by a pidfd, check the number is still
        // that thread of the caller's namespace, and act only while the pidfd says it lives: a tid
        // is not reused while its thread lives, so the number meant it throughout.
        int pidfd;
        try {
            pidfd = Linux.pidfdOpenThread(hostTid);
        } catch (LinuxException e) {
            throw new SyscallException(Errno.ESRCH, "thread " + pid + " ended");
        }
        try {
            if (pid != 0 && !PidNamespaces.is(hostTid, namespace, pid) || Linux.exited(pidfd)) {
                throw new SyscallException(Errno.ESRCH, "thread " + pid + " ended");
            }
            if (!stillWaiting()) {
                throw gone();
            }
            Pointer param = Linux.allocate(4);
            param.putInt(0, priority);
            int result = policy < 0 ? Linux.libc().sched_setparam(hostTid, param)
                    : Linux.libc().sched_setscheduler(hostTid, policy, param);
            if (result < 0) {
                int errno = Linux.errno();
                throw new SyscallException(errno, (policy < 0 ? "sched_setparam(" : "sched_setscheduler(")
                        + hostTid + ")");
            }
        } finally {
            Linux.close(pidfd);
        }
    }

    private String namespaceLink(String namespace) throws SyscallException {
        try {
            return new String(Linux.readlinkat(procDir(), "ns/" + namespace), StandardCharsets.ISO_8859_1);
        } catch (LinuxException e) {
            throw gone();
        }
    }

    @Override
    public int containerInitPid() {
        return init.pid();
    }

    @Override
    public long namespaceInode(String namespace) throws SyscallException {
        if (!namespace.matches("[a-z_]+")) {
            throw new SyscallException(Errno.EINVAL, "bad namespace name " + namespace);
        }
        String link = namespaceLink(namespace);
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.length() - 1));
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
                return action.run(identity);
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

    private static final int CLONE_NEWUTS = 0x04000000;
    private static final int CLONE_NEWIPC = 0x08000000;
    private static final int CLONE_NEWNET = 0x40000000;

    /**
     * Enters the caller's namespaces with setns on this thread only (UTS, IPC and network belong to
     * a thread, unlike mount and user), runs the action, and enters this thread's own again; a
     * thread that cannot get back ends, as with {@link #asCaller}.
     */
    @Override
    public <T> T inCallerNamespaces(Set<CallerNamespace> namespaces, NamespaceAction<T> action)
            throws SyscallException {
        List<CallerNamespace> which = namespaces.isEmpty() ? List.of()
                : List.copyOf(java.util.EnumSet.copyOf(namespaces)); // one order: entered, then left in reverse
        int[] own = new int[which.size()];
        int[] theirs = new int[which.size()];
        Arrays.fill(own, -1);
        Arrays.fill(theirs, -1);
        int entered = 0;
        try {
            for (int i = 0; i < which.size(); i++) {
                String name = nsName(which.get(i));
                own[i] = Linux.openat(Linux.AT_FDCWD, "/proc/thread-self/ns/" + name, Linux.O_RDONLY);
                theirs[i] = Linux.openat(procDir(), "ns/" + name, Linux.O_RDONLY);
            }
            if (!stillWaiting()) {
                throw gone();
            }
            for (; entered < which.size(); entered++) {
                Linux.setns(theirs[entered], nsType(which.get(entered)));
            }
            return action.run();
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            for (int i = entered - 1; i >= 0; i--) {
                if (Linux.libc().setns(own[i], nsType(which.get(i))) != 0) {
                    int errno = Linux.errno();
                    closeAll(own, theirs);
                    throw new CallerIdentity.IdentityStuck("cannot return to this thread's own "
                            + nsName(which.get(i)) + " namespace (errno " + errno + ")");
                }
            }
            closeAll(own, theirs);
        }
    }

    private static void closeAll(int[]... fdSets) {
        for (int[] fds : fdSets) {
            for (int fd : fds) {
                Linux.close(fd);
            }
        }
    }

    private static String nsName(CallerNamespace namespace) {
        switch (namespace) {
            case UTS: return "uts";
            case NET: return "net";
            default: return "ipc";
        }
    }

    private static int nsType(CallerNamespace namespace) {
        switch (namespace) {
            case UTS: return CLONE_NEWUTS;
            case NET: return CLONE_NEWNET;
            default: return CLONE_NEWIPC;
        }
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
