package dev.intercessor.api.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.intercessor.api.CallerAction;
import dev.intercessor.api.CallerFs;
import dev.intercessor.api.CallerNamespace;
import dev.intercessor.api.Capability;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Credentials;
import dev.intercessor.api.Errno;
import dev.intercessor.api.ImageMount;
import dev.intercessor.api.NamespaceAction;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

/**
 * A {@link Target} for unit tests of a handler: the caller's memory is a sparse map of bytes the
 * test maps, its identity, cgroups, namespaces and uid map are what the test configures, and every
 * privileged action the handler asks for is recorded instead of done.
 *
 * <p>Memory follows the real target's contract: a read of any unmapped byte fails with
 * {@code EFAULT}; {@link #readCString} fails with {@code EFAULT} at an unmapped byte before the NUL
 * and with {@code ENAMETOOLONG} if no NUL comes within {@code maxLength} bytes; {@link #readString}
 * gives an empty optional for bytes that are not UTF-8; a write to a byte that is unmapped or
 * mapped read-only fails with {@code EFAULT} and writes nothing.
 *
 * <p>Actions ({@link #asCaller}, {@link #takeFd}, and the privileged ones the services
 * {@link FakeScheduling} and {@link FakeImageMounts} do for this caller) succeed and are recorded
 * unless {@link #failing} says otherwise. Queries whose answer the test has not configured ({@link #credentials},
 * {@link #cgroup}, {@link #containerUid}, …) throw {@link UnsupportedOperationException} naming
 * the method that configures them: a test never runs on an answer it did not choose.
 *
 * <p>After {@link #gone()}, every method that reaches the caller throws {@code ESRCH} and
 * {@link #stillWaiting()} is false, as for a caller that died. Not thread-safe.
 */
public final class FakeTarget implements Target {

    /** The pid a new fake target (and a new {@link FakeNotification}) has. */
    public static final int DEFAULT_PID = 4242;

    /** Where {@link #putBytes} and friends place their first block: page-aligned, below 4 GiB (fits compat pointers). */
    private static final long FIRST_BLOCK = 0x10000;
    private static final long PAGE = 4096;

    /**
     * One write into the caller's memory.
     *
     * @param address where
     * @param data    what was written (a copy)
     */
    public record MemoryWrite(long address, byte[] data) {
    }

    /**
     * One read of the caller's memory, successful or not.
     *
     * @param address where
     * @param length  how many bytes were asked for ({@code maxLength} for a C string)
     * @param cString whether it was read as a NUL-terminated string
     */
    public record MemoryRead(long address, int length, boolean cString) {
    }

    /**
     * One {@link Target#setScheduler} request.
     *
     * @param pid      the thread, as the caller named it
     * @param policy   the policy (-1: keep it)
     * @param priority the priority
     */
    public record SchedulerCall(int pid, int policy, int priority) {
    }

    /**
     * One {@link Target#mountImage} or {@link Target#mountFuse} request.
     *
     * @param dirfd  the dirfd given
     * @param mount  what to mount
     * @param server the FUSE server, {@code null} for a kernel mount
     */
    public record MountCall(int dirfd, ImageMount mount, String server) {
    }

    /**
     * One {@link Target#asCaller} request.
     *
     * @param dirfd        the dirfd given
     * @param capabilities the capabilities asked for
     */
    public record AsCallerCall(int dirfd, Set<Capability> capabilities) {
    }

    /** A line of a uid map: {@code count} ids from {@code containerFirst} are host ids from {@code hostFirst}. */
    private record UidRange(int containerFirst, int hostFirst, int count) {
    }

    private static final Set<String> FAILABLE = Set.of("setScheduler", "mountImage", "mountFuse", "asCaller",
            "takeFd", "inCallerNamespaces", "readSource");

    private int pid = DEFAULT_PID;
    private final Map<Long, Byte> memory = new HashMap<>();
    private final Set<Long> readOnly = new HashSet<>();
    private long nextBlock = FIRST_BLOCK;
    private Credentials credentials;
    private final Map<String, Long> namespaces = new HashMap<>();
    private final Map<String, Optional<CgroupDirectory>> cgroups = new HashMap<>();
    private final Map<String, Optional<CgroupDirectory>> containerCgroups = new HashMap<>();
    private List<UidRange> uidMap;
    private Integer containerInitPid;
    private boolean stillWaiting = true;
    private boolean gone;
    private final Map<Integer, Path> fds = new HashMap<>();
    private final Map<String, byte[]> sources = new HashMap<>();
    private int nextFd = 100;
    private final Map<String, Integer> failures = new HashMap<>();
    private CallerFs fs = new FakeCallerFs();

    private final List<MemoryWrite> writes = new ArrayList<>();
    private final List<MemoryRead> reads = new ArrayList<>();
    private final List<SchedulerCall> schedulerCalls = new ArrayList<>();
    private final List<MountCall> mounts = new ArrayList<>();
    private final List<AsCallerCall> asCallerCalls = new ArrayList<>();
    private final List<Set<CallerNamespace>> namespaceCalls = new ArrayList<>();
    private final List<FakeCallerFd> takenFds = new ArrayList<>();

    /** A caller with pid {@link #DEFAULT_PID}, no memory mapped and nothing configured. */
    public FakeTarget() {
    }

    // ---- configuration ------------------------------------------------------------------------

    /** @return this, with the caller's host pid set */
    public FakeTarget pid(int pid) {
        this.pid = pid;
        return this;
    }

    /** Maps {@code bytes} writable at {@code address} (replacing what was there); @return this */
    public FakeTarget map(long address, byte[] bytes) {
        return map(address, bytes, true);
    }

    /** Maps {@code bytes} read-only at {@code address} (replacing what was there); @return this */
    public FakeTarget mapReadOnly(long address, byte[] bytes) {
        return map(address, bytes, false);
    }

    private FakeTarget map(long address, byte[] bytes, boolean writable) {
        for (int i = 0; i < bytes.length; i++) {
            memory.put(address + i, bytes[i]);
            if (writable) {
                readOnly.remove(address + i);
            } else {
                readOnly.add(address + i);
            }
        }
        return this;
    }

    /** Unmaps {@code length} bytes from {@code address}; @return this */
    public FakeTarget unmap(long address, int length) {
        for (int i = 0; i < length; i++) {
            memory.remove(address + i);
            readOnly.remove(address + i);
        }
        return this;
    }

    /**
     * Maps {@code bytes} writable at a fresh page-aligned address below 4 GiB, with an unmapped page
     * after it (so a read past its end faults).
     *
     * @return the address
     */
    public long putBytes(byte[] bytes) {
        long address = nextBlock(bytes.length);
        map(address, bytes);
        return address;
    }

    /** As {@link #putBytes}, mapped read-only. @return the address */
    public long putReadOnly(byte[] bytes) {
        long address = nextBlock(bytes.length);
        mapReadOnly(address, bytes);
        return address;
    }

    /** Maps {@code s} as UTF-8 followed by a NUL, as {@link #putBytes}. @return the address */
    public long putString(String s) {
        byte[] text = s.getBytes(StandardCharsets.UTF_8);
        byte[] withNul = new byte[text.length + 1];
        System.arraycopy(text, 0, withNul, 0, text.length);
        return putBytes(withNul);
    }

    /** Maps {@code length} zero bytes writable, as {@link #putBytes}: a buffer for the handler to fill. @return the address */
    public long allocate(int length) {
        return putBytes(new byte[length]);
    }

    /** @return an address at which nothing is mapped, nor will be by {@link #putBytes} */
    public long unmappedAddress() {
        return 0xdead0000L;
    }

    private long nextBlock(int length) {
        long address = nextBlock;
        nextBlock = (address + length + PAGE - 1) / PAGE * PAGE + PAGE;
        return address;
    }

    /** @return this, with the caller's identity set */
    public FakeTarget credentials(Credentials credentials) {
        this.credentials = credentials;
        return this;
    }

    /**
     * Credentials for tests: every uid {@code uid}, every gid {@code gid}, the given effective
     * capabilities, umask 022.
     *
     * @return the credentials
     */
    public static Credentials identity(int uid, int gid, Capability... capabilities) {
        long mask = 0;
        for (Capability c : capabilities) {
            mask |= 1L << c.number();
        }
        return new Credentials(uid, uid, uid, gid, gid, gid, mask, 022);
    }

    /**
     * Adds a line of the container's uid map, as in {@code /proc/<pid>/uid_map}: {@code count} ids
     * from {@code containerFirst} in the container are host ids from {@code hostFirst}.
     *
     * @return this
     */
    public FakeTarget uidMap(int containerFirst, int hostFirst, int count) {
        if (uidMap == null) {
            uidMap = new ArrayList<>();
        }
        uidMap.add(new UidRange(containerFirst, hostFirst, count));
        return this;
    }

    /** @return this, with the inode of the caller's namespace of kind {@code namespace} set */
    public FakeTarget namespace(String namespace, long inode) {
        namespaces.put(namespace, inode);
        return this;
    }

    /** @return this, with the caller's cgroup for {@code controller} set */
    public FakeTarget cgroup(String controller, CgroupDirectory directory) {
        cgroups.put(controller, Optional.of(directory));
        return this;
    }

    /** @return this, with the caller in no cgroup for {@code controller} */
    public FakeTarget noCgroup(String controller) {
        cgroups.put(controller, Optional.empty());
        return this;
    }

    /** @return this, with the container's cgroup for {@code controller} set */
    public FakeTarget containerCgroup(String controller, CgroupDirectory directory) {
        containerCgroups.put(controller, Optional.of(directory));
        return this;
    }

    /** @return this, with the container in no cgroup for {@code controller} */
    public FakeTarget noContainerCgroup(String controller) {
        containerCgroups.put(controller, Optional.empty());
        return this;
    }

    /** @return this, with the host pid of the container's init set */
    public FakeTarget containerInitPid(int pid) {
        this.containerInitPid = pid;
        return this;
    }

    /** @return this, with {@link #stillWaiting()} answering {@code waiting} */
    public FakeTarget stillWaiting(boolean waiting) {
        this.stillWaiting = waiting;
        return this;
    }

    /** The caller dies: from now on everything that reaches it throws {@code ESRCH}. @return this */
    public FakeTarget gone() {
        this.gone = true;
        this.stillWaiting = false;
        return this;
    }

    /**
     * Gives the caller a descriptor {@code callerFd} open on {@code file}: {@link #takeFd} of it
     * gives a {@link FakeCallerFd} whose {@link FakeCallerFd#procPath()} is {@code file}.
     *
     * @return this
     */
    public FakeTarget fd(int callerFd, Path file) {
        fds.put(callerFd, file);
        return this;
    }

    /**
     * Gives the caller a mount source (an image file or a block device it was given) at
     * {@code path}, holding {@code content}: what {@link FakeImageMounts#readSource} reads.
     *
     * @return this
     */
    public FakeTarget mountSource(String path, byte[] content) {
        sources.put(path, content.clone());
        return this;
    }

    /**
     * Makes a privileged action fail with {@code errno} (it is still recorded).
     *
     * @param method {@code setScheduler}, {@code mountImage}, {@code mountFuse}, {@code asCaller} or
     *               {@code takeFd}
     * @return this
     */
    public FakeTarget failing(String method, int errno) {
        if (!FAILABLE.contains(method)) {
            throw new IllegalArgumentException("FakeTarget.failing: no such action " + method + "; one of " + FAILABLE);
        }
        failures.put(method, errno);
        return this;
    }

    /** @return this, with {@code fs} doing the file work of {@link #asCaller} (default: a {@link FakeCallerFs}) */
    public FakeTarget callerFs(CallerFs fs) {
        this.fs = fs;
        return this;
    }

    // ---- inspection ---------------------------------------------------------------------------

    /** @return the file operations {@link #asCaller} runs its action with */
    public CallerFs callerFs() {
        return fs;
    }

    /**
     * @return the default {@link FakeCallerFs}
     * @throws IllegalStateException if {@link #callerFs(CallerFs)} replaced it with another kind
     */
    public FakeCallerFs fs() {
        if (fs instanceof FakeCallerFs f) {
            return f;
        }
        throw new IllegalStateException("FakeTarget.fs(): the caller fs is a " + fs.getClass().getName());
    }

    /**
     * @return the bytes at {@code address} now, for assertions
     * @throws IllegalStateException if some byte is unmapped
     */
    public byte[] memory(long address, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            Byte b = memory.get(address + i);
            if (b == null) {
                throw new IllegalStateException("FakeTarget.memory: nothing mapped at 0x" + Long.toHexString(address + i));
            }
            out[i] = b;
        }
        return out;
    }

    /** @return the writes into the caller's memory that succeeded, in order */
    public List<MemoryWrite> writes() {
        return Collections.unmodifiableList(writes);
    }

    /** @return every read of the caller's memory, in order, including those that failed */
    public List<MemoryRead> reads() {
        return Collections.unmodifiableList(reads);
    }

    /** @return the {@link #setScheduler} requests, in order */
    public List<SchedulerCall> schedulerCalls() {
        return Collections.unmodifiableList(schedulerCalls);
    }

    /** @return the {@link #mountImage} and {@link #mountFuse} requests, in order */
    public List<MountCall> mounts() {
        return Collections.unmodifiableList(mounts);
    }

    /** @return the {@link #asCaller} requests, in order */
    public List<AsCallerCall> asCallerCalls() {
        return Collections.unmodifiableList(asCallerCalls);
    }

    /** @return the namespaces each {@link #inCallerNamespaces} asked to enter, in order */
    public List<Set<CallerNamespace>> namespaceCalls() {
        return Collections.unmodifiableList(namespaceCalls);
    }

    /** @return the descriptors {@link #takeFd} gave, in order */
    public List<FakeCallerFd> takenFds() {
        return Collections.unmodifiableList(takenFds);
    }

    // ---- Target -------------------------------------------------------------------------------

    private void reach() throws SyscallException {
        if (gone) {
            throw new SyscallException(Errno.ESRCH, "caller " + pid + " is gone");
        }
    }

    private static UnsupportedOperationException unconfigured(String method, String how) {
        return new UnsupportedOperationException("FakeTarget." + method + " is not configured: call FakeTarget."
                + how + " first");
    }

    private void fail(String method) throws SyscallException {
        Integer errno = failures.get(method);
        if (errno != null) {
            throw new SyscallException(errno, "FakeTarget." + method + " fails as configured");
        }
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public byte[] read(long address, int length) throws SyscallException {
        reach();
        reads.add(new MemoryRead(address, length, false));
        if (length < 0) {
            throw new SyscallException(Errno.EINVAL, "negative length");
        }
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            Byte b = memory.get(address + i);
            if (b == null) {
                throw new SyscallException(Errno.EFAULT, "cannot read " + length + " bytes at 0x"
                        + Long.toHexString(address));
            }
            data[i] = b;
        }
        return data;
    }

    @Override
    public byte[] readCString(long address, int maxLength) throws SyscallException {
        reach();
        reads.add(new MemoryRead(address, maxLength, true));
        ByteBuffer out = ByteBuffer.allocate(Math.max(0, Math.min(maxLength, 1 << 20)));
        for (int i = 0; i < maxLength; i++) {
            Byte b = memory.get(address + i);
            if (b == null) {
                throw new SyscallException(Errno.EFAULT, "unreadable string at 0x" + Long.toHexString(address));
            }
            if (b == 0) {
                byte[] string = new byte[i];
                out.flip().get(string);
                return string;
            }
            if (!out.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(out.capacity() * 2);
                out.flip();
                bigger.put(out);
                out = bigger;
            }
            out.put(b);
        }
        throw new SyscallException(Errno.ENAMETOOLONG, "string at 0x" + Long.toHexString(address)
                + " has no NUL within " + maxLength + " bytes");
    }

    @Override
    public void write(long address, byte[] data) throws SyscallException {
        reach();
        for (int i = 0; i < data.length; i++) {
            long at = address + i;
            if (!memory.containsKey(at) || readOnly.contains(at)) {
                throw new SyscallException(Errno.EFAULT, "cannot write " + data.length + " bytes at 0x"
                        + Long.toHexString(address));
            }
        }
        for (int i = 0; i < data.length; i++) {
            memory.put(address + i, data[i]);
        }
        writes.add(new MemoryWrite(address, data.clone()));
    }

    @Override
    public Credentials credentials() throws SyscallException {
        reach();
        if (credentials == null) {
            throw unconfigured("credentials()", "credentials(FakeTarget.identity(uid, gid, capabilities...))");
        }
        return credentials;
    }

    @Override
    public long namespaceInode(String namespace) throws SyscallException {
        reach();
        if (!namespace.matches("[a-z_]+")) {
            throw new SyscallException(Errno.EINVAL, "bad namespace name " + namespace);
        }
        Long inode = namespaces.get(namespace);
        if (inode == null) {
            throw unconfigured("namespaceInode(\"" + namespace + "\")", "namespace(\"" + namespace + "\", inode)");
        }
        return inode;
    }

    @Override
    public Optional<CgroupDirectory> cgroup(String controller) throws SyscallException {
        reach();
        return configured(cgroups, "cgroup", "noCgroup", controller);
    }

    /** The directory {@code method(controller)} was configured with, by {@code method} or {@code none}. */
    private static Optional<CgroupDirectory> configured(Map<String, Optional<CgroupDirectory>> configured,
            String method, String none, String controller) {
        Optional<CgroupDirectory> c = configured.get(controller);
        if (c == null) {
            throw unconfigured(method + "(\"" + controller + "\")", method + "(\"" + controller
                    + "\", directory) or " + none + "(\"" + controller + "\")");
        }
        return c;
    }

    @Override
    public int containerUid(int hostUid) throws SyscallException {
        reach();
        if (uidMap == null) {
            throw unconfigured("containerUid(" + hostUid + ")", "uidMap(containerFirst, hostFirst, count)");
        }
        for (UidRange r : uidMap) {
            long offset = Integer.toUnsignedLong(hostUid) - Integer.toUnsignedLong(r.hostFirst());
            if (offset >= 0 && offset < Integer.toUnsignedLong(r.count())) {
                return (int) (r.containerFirst() + offset);
            }
        }
        return -1;
    }

    @Override
    public void setScheduler(int pid, int policy, int priority) throws SyscallException {
        reach();
        schedulerCalls.add(new SchedulerCall(pid, policy, priority));
        if (pid < 0) {
            throw new SyscallException(Errno.EINVAL, "negative pid " + pid);
        }
        fail("setScheduler");
    }

    @Override
    public int containerInitPid() {
        if (containerInitPid == null) {
            throw unconfigured("containerInitPid()", "containerInitPid(pid)");
        }
        return containerInitPid;
    }

    @Override
    public Optional<CgroupDirectory> containerCgroup(String controller) throws SyscallException {
        reach();
        return configured(containerCgroups, "containerCgroup", "noContainerCgroup", controller);
    }

    @Override
    public FakeCallerFd takeFd(int fd) throws SyscallException {
        reach();
        fail("takeFd");
        Path file = fds.get(fd);
        if (file == null) {
            throw new SyscallException(Errno.EBADF, "the caller has no fd " + fd
                    + " (give it one with FakeTarget.fd(" + fd + ", path))");
        }
        FakeCallerFd taken = new FakeCallerFd(nextFd++, fd, file);
        takenFds.add(taken);
        return taken;
    }

    @Override
    public void mountImage(int dirfd, ImageMount mount) throws SyscallException {
        reach();
        mounts.add(new MountCall(dirfd, mount, null));
        fail("mountImage");
    }

    @Override
    public void mountFuse(int dirfd, ImageMount mount, String server) throws SyscallException {
        reach();
        mounts.add(new MountCall(dirfd, mount, server));
        // The real target's check: a normalized absolute path under /usr/.
        if (!server.startsWith("/usr/") || server.length() > 200
                || !server.matches("(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+")) {
            throw new SyscallException(Errno.EINVAL, "a FUSE server is an absolute path under /usr/: " + server);
        }
        fail("mountFuse");
    }

    /** {@link FakeImageMounts#readSource}: a {@link #mountSource}'s bytes, else ENOENT. */
    byte[] readSource(String source, long offset, int length) throws SyscallException {
        reach();
        if (offset < 0 || length < 0 || length > 65536) {
            throw new SyscallException(Errno.EINVAL, "a source read of " + length + " bytes at " + offset);
        }
        fail("readSource");
        byte[] content = sources.get(source);
        if (content == null) {
            throw new SyscallException(Errno.ENOENT, "no mount source " + source);
        }
        int from = (int) Math.min(offset, content.length);
        return java.util.Arrays.copyOfRange(content, from, (int) Math.min(content.length, from + (long) length));
    }

    @Override
    public boolean stillWaiting() {
        return stillWaiting;
    }

    @Override
    public <T> T asCaller(int dirfd, Set<Capability> capabilities, CallerAction<T> action) throws SyscallException {
        reach();
        asCallerCalls.add(new AsCallerCall(dirfd, capabilities.isEmpty()
                ? Collections.emptySet() : Collections.unmodifiableSet(EnumSet.copyOf(capabilities))));
        if (dirfd != AT_FDCWD && dirfd < 0) {
            throw new SyscallException(Errno.EBADF, "bad dirfd " + dirfd);
        }
        fail("asCaller");
        return action.run(fs);
    }

    /** Records the namespaces and runs the action where the test runs: a fake has no caller's. */
    @Override
    public <T> T inCallerNamespaces(Set<CallerNamespace> namespaces, NamespaceAction<T> action)
            throws SyscallException {
        reach();
        namespaceCalls.add(namespaces.isEmpty() ? Collections.emptySet()
                : Collections.unmodifiableSet(EnumSet.copyOf(namespaces)));
        fail("inCallerNamespaces");
        return action.run();
    }
}
