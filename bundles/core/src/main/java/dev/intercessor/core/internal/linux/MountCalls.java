package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;

import dev.intercessor.api.Errno;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * The new mount API ({@code fsopen}, {@code fsconfig}, {@code fsmount}, {@code mount_setattr},
 * {@code open_tree}, {@code move_mount}), a loop device attached with {@code LOOP_CONFIGURE}, and
 * the old {@code mount}/{@code umount2} for the supervisor's own tmpfs. Strings and structs go to
 * the kernel as pointers (see {@link LibC#syscall}).
 */
final class MountCalls {

    private static final long MS_NOSUID = 2;
    private static final long MS_NOEXEC = 8;
    private static final int MNT_DETACH = 2;
    private static final int FSOPEN_CLOEXEC = 1;
    private static final int FSMOUNT_CLOEXEC = 1;

    /** {@code struct mount_attr} (include/uapi/linux/mount.h), MOUNT_ATTR_SIZE_VER0. */
    static final class MountAttr extends Struct {
        final Unsigned64 attrSet = new Unsigned64();
        final Unsigned64 attrClr = new Unsigned64();
        final Unsigned64 propagation = new Unsigned64();
        final Unsigned64 usernsFd = new Unsigned64();

        MountAttr() {
            super(Linux.runtime());
        }
    }

    /** A loop device attached to an image: its descriptor and number. */
    record Loop(int fd, int number) {
    }

    private static final Pointer EMPTY_PATH = Linux.allocate(1);

    private MountCalls() {
    }

    private static Pointer string(String s) {
        byte[] c = Linux.cPath(s);
        Pointer p = Linux.allocate(c.length);
        p.put(0, c, 0, c.length);
        return p;
    }

    private static Pointer string(byte[] c) {
        Pointer p = Linux.allocate(c.length);
        p.put(0, c, 0, c.length);
        return p;
    }

    /** @return a close-on-exec filesystem context of type {@code fstype} */
    static int fsopen(String fstype) throws LinuxException {
        return (int) Linux.check("fsopen", Linux.libc().syscall(Linux.SYS_FSOPEN, string(fstype),
                FSOPEN_CLOEXEC, 0, 0, 0));
    }

    /** fsconfig of a string ({@code value} non-null) or a flag. */
    static void fsconfig(int fs, String key, String value) throws LinuxException {
        Linux.check("fsconfig " + key, Linux.libc().syscall(Linux.SYS_FSCONFIG, fs,
                value == null ? Linux.FSCONFIG_SET_FLAG : Linux.FSCONFIG_SET_STRING, string(key),
                value == null ? null : string(value), 0));
    }

    /** FSCONFIG_CMD_CREATE; a failure carries what the kernel logged on the context. */
    static void fsconfigCreate(int fs) throws LinuxException {
        if (Linux.libc().syscall(Linux.SYS_FSCONFIG, fs, Linux.FSCONFIG_CMD_CREATE, (Pointer) null,
                (Pointer) null, 0) < 0) {
            int errno = Linux.errno();
            throw new LinuxException("fsconfig create: " + contextLog(fs), errno);
        }
    }

    /** @return what the kernel said about a failed filesystem context (read from its fd) */
    private static String contextLog(int fs) {
        Pointer buffer = Linux.allocate(512);
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            long n = Linux.libc().read(fs, buffer, 511);
            if (n <= 0) {
                break;
            }
            byte[] line = new byte[(int) n];
            buffer.get(0, line, 0, (int) n);
            log.append(log.length() == 0 ? "" : "; ").append(new String(line, StandardCharsets.UTF_8).trim());
        }
        return log.length() == 0 ? "no message" : log.toString();
    }

    /** @return a detached, close-on-exec mount of the created context, with MOUNT_ATTR_* {@code attributes} */
    static int fsmount(int fs, int attributes) throws LinuxException {
        return (int) Linux.check("fsmount", Linux.libc().syscall(Linux.SYS_FSMOUNT, fs, FSMOUNT_CLOEXEC,
                attributes, 0, 0));
    }

    /** Makes the detached {@code mount} idmapped to the user namespace {@code userns}. */
    static void idmap(int mount, int userns) throws LinuxException {
        MountAttr attr = new MountAttr();
        Pointer memory = Linux.allocate(Struct.size(attr));
        attr.useMemory(memory);
        attr.attrSet.set(Linux.MOUNT_ATTR_IDMAP);
        attr.usernsFd.set(userns);
        // mount_setattr(fd, "", AT_EMPTY_PATH, attr, size): path and attr both passed as pointers.
        Linux.check("mount_setattr", Linux.libc().syscall(Linux.SYS_MOUNT_SETATTR, mount, EMPTY_PATH,
                Linux.AT_EMPTY_PATH, memory, Struct.size(attr)));
    }

    /** @return a detached clone (OPEN_TREE_CLONE) of the mount at {@code cPath} below {@code dirfd} */
    static int openTreeClone(int dirfd, byte[] cPath) throws LinuxException {
        return (int) Linux.check("open_tree", Linux.libc().syscall(Linux.SYS_OPEN_TREE, dirfd, string(cPath),
                Linux.OPEN_TREE_CLONE | Linux.OPEN_TREE_CLOEXEC, 0, 0));
    }

    /** move_mount of the detached mount {@code tree} onto the file {@code target} refers to. */
    static void moveOnto(int tree, int target) throws LinuxException {
        Linux.check("move_mount", Linux.libc().syscall(Linux.SYS_MOVE_MOUNT, tree, EMPTY_PATH, target,
                EMPTY_PATH.address(), Linux.MOVE_MOUNT_F_EMPTY_PATH | Linux.MOVE_MOUNT_T_EMPTY_PATH));
    }

    /** @return a loop device, configured on {@code image} with AUTOCLEAR */
    static Loop attachLoop(int image, boolean readOnly) throws LinuxException {
        int control = Linux.openat(Linux.AT_FDCWD, "/dev/loop-control", Linux.O_RDWR);
        try {
            for (int attempt = 0; ; attempt++) {
                int n = Linux.check("LOOP_CTL_GET_FREE", Linux.libc().ioctl(control, Linux.LOOP_CTL_GET_FREE, 0L));
                int loop = Linux.openat(Linux.AT_FDCWD, "/dev/loop" + n, readOnly ? Linux.O_RDONLY : Linux.O_RDWR);
                LoopConfig config = LoopConfig.allocate();
                config.fd.set(image);
                config.info.flags.set(Linux.LO_FLAGS_AUTOCLEAR | (readOnly ? Linux.LO_FLAGS_READ_ONLY : 0));
                try {
                    LoopDevice.configure(loop, config);
                    return new Loop(loop, n);
                } catch (LinuxException e) {
                    Linux.close(loop);
                    if (e.errno() != Errno.EBUSY || attempt >= 10) { // EBUSY: someone took it meanwhile
                        throw e;
                    }
                }
            }
        } finally {
            Linux.close(control);
        }
    }

    /** Mounts a private tmpfs (nosuid, noexec) of {@code options} at {@code path}, in this thread's mount namespace. */
    static void mountTmpfs(String source, String path, String options) throws LinuxException {
        Linux.check("mount tmpfs at " + path, Linux.libc().mount(source, path, "tmpfs", MS_NOSUID | MS_NOEXEC, options));
    }

    /** umount2(MNT_DETACH); whether it worked does not matter to the callers. */
    static void detach(String path) {
        Linux.libc().umount2(path, MNT_DETACH);
    }
}
