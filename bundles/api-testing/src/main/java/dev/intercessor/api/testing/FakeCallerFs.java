package dev.intercessor.api.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import dev.intercessor.api.CallerFs;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.SyscallException;

/**
 * A {@link CallerFs} over a table of files the test declares ({@link #file}), keyed by the path
 * exactly as the handler passes it (no resolution, no symlinks). It records every operation, keeps
 * what {@link #mknod} and {@link #setxattr} create, and follows the contract's errnos: {@code ENOENT}
 * for an undeclared file, {@code EEXIST} for a node that exists, {@code EINVAL} from
 * {@link #deviceOpens} for another device, {@code EPERM} from {@link #setxattr} for a file type
 * other than directory or regular file or when {@code mayModify} refuses, {@code EEXIST} /
 * {@code ENODATA} for {@code XATTR_CREATE} / {@code XATTR_REPLACE}.
 *
 * <p>{@link #deviceOpens} answers what {@link #devicesOpen} configured, else throws
 * {@link UnsupportedOperationException}. Any operation can be made to fail with {@link #failing}.
 */
public final class FakeCallerFs implements CallerFs {

    /**
     * One operation the handler asked for.
     *
     * @param operation {@code mknod}, {@code deviceOpens}, {@code mountUsableNode}, {@code setxattr} or
     *                  {@code stat}
     * @param path      the path given
     * @param mode      the mode ({@code mknod}), else 0
     * @param major     the device major ({@code mknod}, {@code deviceOpens}, {@code mountUsableNode}), else 0
     * @param minor     the device minor, likewise
     * @param follow    whether a final symlink is followed ({@code setxattr}, {@code stat})
     * @param name      the attribute name ({@code setxattr}), else {@code null}
     * @param value     the attribute value ({@code setxattr}), else {@code null}
     * @param flags     the {@code setxattr} flags, else 0
     */
    public record Operation(String operation, String path, int mode, int major, int minor, boolean follow,
            String name, byte[] value, int flags) {

        @Override
        public String toString() {
            return operation + "(" + path + (name != null ? ", " + name : "") + ")";
        }
    }

    private static final Set<String> OPERATIONS = Set.of("mknod", "deviceOpens", "mountUsableNode", "setxattr",
            "stat");
    private static final int XATTR_CREATE = 1;
    private static final int XATTR_REPLACE = 2;

    private final Map<String, FileStat> files = new HashMap<>();
    private final Map<String, Map<String, byte[]>> xattrs = new HashMap<>();
    private final Map<String, Integer> failures = new HashMap<>();
    private final List<Operation> operations = new ArrayList<>();
    private Boolean devicesOpen;

    /** An empty filesystem. */
    public FakeCallerFs() {
    }

    /** @return this, with a file at {@code path} as {@link #stat} reports it */
    public FakeCallerFs file(String path, FileStat stat) {
        files.put(path, stat);
        return this;
    }

    /** @return this, with {@link #deviceOpens} answering {@code open} for every existing node of the right device */
    public FakeCallerFs devicesOpen(boolean open) {
        this.devicesOpen = open;
        return this;
    }

    /**
     * Makes an operation fail with {@code errno} (it is still recorded); a failing
     * {@code mountUsableNode} removes the node, as the real one does.
     *
     * @return this
     */
    public FakeCallerFs failing(String operation, int errno) {
        if (!OPERATIONS.contains(operation)) {
            throw new IllegalArgumentException("FakeCallerFs.failing: no such operation " + operation + "; one of "
                    + OPERATIONS);
        }
        failures.put(operation, errno);
        return this;
    }

    /** @return the operations asked for, in order */
    public List<Operation> operations() {
        return Collections.unmodifiableList(operations);
    }

    /** @return the operations named {@code operation}, in order */
    public List<Operation> operations(String operation) {
        return operations.stream().filter(o -> o.operation().equals(operation)).toList();
    }

    /** @return the file at {@code path}, declared or made by {@link #mknod} */
    public Optional<FileStat> fileAt(String path) {
        return Optional.ofNullable(files.get(path));
    }

    /** @return the value of attribute {@code name} set on {@code path} through {@link #setxattr} */
    public Optional<byte[]> xattr(String path, String name) {
        Map<String, byte[]> attrs = xattrs.get(path);
        return attrs == null ? Optional.empty() : Optional.ofNullable(attrs.get(name)).map(byte[]::clone);
    }

    private void fail(String operation) throws SyscallException {
        Integer errno = failures.get(operation);
        if (errno != null) {
            throw new SyscallException(errno, "FakeCallerFs." + operation + " fails as configured");
        }
    }

    private FileStat lookup(String path) throws SyscallException {
        FileStat stat = files.get(path);
        if (stat == null) {
            throw new SyscallException(Errno.ENOENT, "no file " + path + " (declare it with FakeCallerFs.file)");
        }
        return stat;
    }

    @Override
    public void mknod(String path, int mode, int major, int minor) throws SyscallException {
        operations.add(new Operation("mknod", path, mode, major, minor, false, null, null, 0));
        fail("mknod");
        if (files.containsKey(path)) {
            throw new SyscallException(Errno.EEXIST, path + " exists");
        }
        files.put(path, new FileStat(mode, 0, 0, major, minor, 0));
    }

    @Override
    public boolean deviceOpens(String path, int major, int minor) throws SyscallException {
        operations.add(new Operation("deviceOpens", path, 0, major, minor, false, null, null, 0));
        fail("deviceOpens");
        FileStat stat = lookup(path);
        if (!stat.isCharDevice() || stat.major() != major || stat.minor() != minor) {
            throw new SyscallException(Errno.EINVAL, path + " is not the character device " + major + ":" + minor);
        }
        if (devicesOpen == null) {
            throw new UnsupportedOperationException("FakeCallerFs.deviceOpens is not configured: call "
                    + "FakeCallerFs.devicesOpen(true or false) first");
        }
        return devicesOpen;
    }

    @Override
    public void mountUsableNode(String path, int major, int minor) throws SyscallException {
        operations.add(new Operation("mountUsableNode", path, 0, major, minor, false, null, null, 0));
        FileStat stat = lookup(path);
        if (!stat.isCharDevice() || stat.major() != major || stat.minor() != minor) {
            throw new SyscallException(Errno.EINVAL, path + " is not the character device " + major + ":" + minor);
        }
        if (failures.containsKey("mountUsableNode")) {
            files.remove(path);
            fail("mountUsableNode");
        }
    }

    @Override
    public void setxattr(String path, boolean followSymlinks, String name, byte[] value, int flags,
            Predicate<FileStat> mayModify) throws SyscallException {
        operations.add(new Operation("setxattr", path, 0, 0, 0, followSymlinks, name, value.clone(), flags));
        fail("setxattr");
        FileStat stat = lookup(path);
        int type = stat.mode() & FileStat.S_IFMT;
        if (type != FileStat.S_IFDIR && type != FileStat.S_IFREG) {
            throw new SyscallException(Errno.EPERM, path + ": not a directory or regular file");
        }
        if (!mayModify.test(stat)) {
            throw new SyscallException(Errno.EPERM, path + ": the caller may not modify it");
        }
        Map<String, byte[]> attrs = xattrs.computeIfAbsent(path, p -> new HashMap<>());
        if ((flags & XATTR_CREATE) != 0 && attrs.containsKey(name)) {
            throw new SyscallException(Errno.EEXIST, name + " exists on " + path);
        }
        if ((flags & XATTR_REPLACE) != 0 && !attrs.containsKey(name)) {
            throw new SyscallException(Errno.ENODATA, name + " is not set on " + path);
        }
        attrs.put(name, Arrays.copyOf(value, value.length));
    }

    @Override
    public FileStat stat(String path, boolean followSymlinks) throws SyscallException {
        operations.add(new Operation("stat", path, 0, 0, 0, followSymlinks, null, null, 0));
        fail("stat");
        return lookup(path);
    }
}
