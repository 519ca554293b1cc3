package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.ImageMount;
import dev.intercessor.api.SyscallException;
import jnr.ffi.Pointer;

/**
 * Mounts an image file or a block device for a caller ({@link dev.intercessor.api.ImageMounts}),
 * and reads a mount's source for a handler that probes its filesystem. The source and target are
 * opened as the caller; the loop device, the filesystem and the mount are made with the
 * supervisor's capabilities in its own mount namespace (where /dev/loop* are); the mount is then
 * moved onto the target in the caller's.
 */
final class ImageMounter {

    /** The most {@link #readSource} reads at once: superblocks sit within the first 64 KiB and a bit. */
    static final int SOURCE_READ_MAX = 65536;

    private ImageMounter() {
    }

    /** {@link dev.intercessor.api.ImageMounts#mountImage}: the whole call, for {@code caller}. */
    static void mount(ProcTarget caller, int dirfd, ImageMount mount) throws SyscallException {
        int userns = -1;
        try {
            if (mount.idmapped()) {
                userns = caller.openProcFile("ns/user", Linux.O_RDONLY);
            }
            final int ns = userns;
            DeviceCgroupRules devices = deviceRules(caller);
            caller.asCaller(dirfd, Set.of(), fs -> {
                mountSwitched((CallerFiles) fs, mount, ns, devices);
                return null;
            });
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(userns);
        }
    }

    /**
     * Switched to the caller. A block device source needs no loop device: the kernel gets the
     * host's node of that device number, else this thread's fd of the caller's node
     * ({@code /proc/thread-self/fd/N}, whose may_open_dev the caller's own open passed already);
     * lookup_bdev takes only the number.
     *
     * @param userns  the caller's user namespace for an idmapped mount, else -1
     * @param devices the caller's device cgroup, asked for a block device source
     */
    private static void mountSwitched(CallerFiles files, ImageMount m, int userns, DeviceCgroupRules devices)
            throws SyscallException {
        CallerIdentity identity = files.identity();
        identity.checkSwitched();
        int image = -1;
        int target = -1;
        MountCalls.Loop loop = null;
        int fs = -1;
        int mount = -1;
        long saved = identity.effective();
        try {
            int[] opened = openForMount(files, m, devices);
            image = opened[0];
            target = opened[1];
            FileStat source = files.stat(image);
            boolean blockDevice = (source.mode() & FileStat.S_IFMT) == FileStat.S_IFBLK;

            identity.setEffective(identity.permitted());
            identity.enterHostMounts(); // its root: /dev/loop* and /proc are the host's
            try {
                String device;
                if (blockDevice) {
                    device = hostDeviceNode(source.major(), source.minor()).orElse("/proc/thread-self/fd/" + image);
                } else {
                    loop = MountCalls.attachLoop(image, m.readOnly());
                    device = "/dev/loop" + loop.number();
                }
                fs = MountCalls.fsopen(m.fstype());
                MountCalls.fsconfig(fs, "source", device);
                for (String option : m.options()) {
                    int eq = option.indexOf('=');
                    if (eq < 0) {
                        MountCalls.fsconfig(fs, option, null);
                    } else {
                        MountCalls.fsconfig(fs, option.substring(0, eq), option.substring(eq + 1));
                    }
                }
                if (m.readOnly()) {
                    MountCalls.fsconfig(fs, "ro", null);
                }
                MountCalls.fsconfigCreate(fs);
                int attributes = Linux.MOUNT_ATTR_NOSUID | Linux.MOUNT_ATTR_NODEV
                        | (m.readOnly() ? Linux.MOUNT_ATTR_RDONLY : 0) | (m.noExec() ? Linux.MOUNT_ATTR_NOEXEC : 0)
                        | (m.noAtime() ? Linux.MOUNT_ATTR_NOATIME : 0);
                mount = MountCalls.fsmount(fs, attributes);
                if (userns >= 0) {
                    MountCalls.idmap(mount, userns);
                }
            } finally {
                identity.enterRoot();
            }
            MountCalls.moveOnto(mount, target);
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            // The mount holds the loop device; with AUTOCLEAR it is detached when the mount goes
            // (or now, if nothing was mounted).
            Linux.close(mount);
            Linux.close(fs);
            Linux.close(loop == null ? -1 : loop.fd());
            Linux.close(target);
            Linux.close(image);
            identity.restoreEffective(saved);
        }
    }

    /**
     * Opens a mount's source (read-write unless read-only) and target directory as the caller. The
     * source is an image file, or a block device its device cgroup allows with that access (and its
     * own open then passes may_open_dev: no nodev mount).
     *
     * @return {source fd, target fd}, the supervisor's to close
     */
    static int[] openForMount(CallerFiles files, ImageMount m, DeviceCgroupRules devices)
            throws SyscallException, LinuxException {
        int image = openSource(files, m.source(), m.readOnly(), devices);
        try {
            int target = files.open(CallerFiles.bytes(m.target()), Linux.O_PATH | Linux.O_DIRECTORY);
            return new int[] {image, target};
        } catch (LinuxException | RuntimeException e) {
            Linux.close(image);
            throw e;
        }
    }

    /**
     * Opens a mount's source as the caller: an image file, or a block device its device cgroup
     * allows with that access.
     *
     * @return the source's fd, the supervisor's to close
     */
    private static int openSource(CallerFiles files, String source, boolean readOnly, DeviceCgroupRules devices)
            throws SyscallException, LinuxException {
        files.identity().checkSwitched();
        // O_PATH first: opening a FIFO (or a device) for real could block this thread for as long
        // as the container likes. Only a regular file, or a block device its device cgroup allows
        // (the device the container was given), is then opened, non-blocking, through the
        // O_PATH fd, with the caller's own identity deciding the access.
        int path = files.open(CallerFiles.bytes(source), Linux.O_PATH);
        try {
            FileStat found = files.stat(path);
            if ((found.mode() & FileStat.S_IFMT) == FileStat.S_IFBLK) {
                devices.checkBlock(source, found.major(), found.minor(), !readOnly);
            } else if ((found.mode() & FileStat.S_IFMT) != FileStat.S_IFREG) {
                throw new SyscallException(Errno.ENOTBLK, source + " is neither an image file nor a block device");
            }
            return files.identity().reopenAsIs(path, (readOnly ? Linux.O_RDONLY : Linux.O_RDWR) | Linux.O_NONBLOCK
                    | Linux.O_NOCTTY, "open " + source);
        } finally {
            Linux.close(path);
        }
    }

    /** {@link dev.intercessor.api.ImageMounts#readSource}: the source opened read-only as the caller. */
    static byte[] readSource(ProcTarget caller, int dirfd, String source, long offset, int length)
            throws SyscallException {
        if (offset < 0 || length < 0 || length > SOURCE_READ_MAX) {
            throw new SyscallException(Errno.EINVAL, "a source read of " + length + " bytes at " + offset
                    + " (at most " + SOURCE_READ_MAX + ")");
        }
        DeviceCgroupRules devices = deviceRules(caller);
        return caller.asCaller(dirfd, Set.of(), fs -> {
            try {
                return readSwitched((CallerFiles) fs, source, offset, length, devices);
            } catch (LinuxException e) {
                throw e.toSyscallException();
            }
        });
    }

    /** Switched: the source is opened read-only as for a read-only mount, and read with this thread's own pread. */
    private static byte[] readSwitched(CallerFiles files, String source, long offset, int length,
            DeviceCgroupRules devices) throws SyscallException, LinuxException {
        int image = openSource(files, source, true, devices);
        try {
            Pointer buffer = Linux.allocate(length);
            int done = 0;
            while (done < length) {
                long n = FileCalls.pread(image, buffer.slice(done), length - done, offset + done);
                if (n < 0) {
                    if (-n == Linux.EINTR) {
                        continue;
                    }
                    throw new LinuxException("read " + source, (int) -n);
                }
                if (n == 0) {
                    break;
                }
                done += (int) n;
            }
            byte[] bytes = new byte[done];
            buffer.get(0, bytes, 0, done);
            return bytes;
        } finally {
            Linux.close(image);
        }
    }

    /**
     * @return the caller's device rules: its cgroup v1 {@code devices.list}, read now (before the
     *         identity switch); none without a v1 devices hierarchy (v2 rules are a BPF program)
     */
    static DeviceCgroupRules deviceRules(ProcTarget caller) throws SyscallException {
        Optional<CgroupDirectory> cgroup = caller.cgroup("devices");
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

    /**
     * @return the host's own node of a block device (in the host's /dev, as its uevent names it),
     *         if it is one with that number: the mount then shows the name the host knows it by
     *         rather than the supervisor's fd; lookup_bdev takes only the number from it. Called in
     *         the host's mount namespace.
     */
    private static Optional<String> hostDeviceNode(int major, int minor) {
        try {
            String uevent = Files.readString(Path.of("/sys/dev/block/"
                    + Integer.toUnsignedString(major) + ":" + Integer.toUnsignedString(minor) + "/uevent"));
            for (String line : uevent.split("\n")) {
                if (line.startsWith("DEVNAME=") && line.substring(8).matches("[A-Za-z0-9_.:+-]+(/[A-Za-z0-9_.:+-]+)*")
                        && !line.contains("..")) {
                    String node = "/dev/" + line.substring(8);
                    FileStat st = Statx.stat(Linux.AT_FDCWD, Linux.cPath(node), Linux.AT_SYMLINK_NOFOLLOW,
                            Linux.allocate(Statx.SIZE));
                    if ((st.mode() & FileStat.S_IFMT) == FileStat.S_IFBLK && st.major() == major && st.minor() == minor) {
                        return Optional.of(node);
                    }
                }
            }
        } catch (IOException | LinuxException | RuntimeException e) {
            // no such node: the fd it is
        }
        return Optional.empty();
    }
}
