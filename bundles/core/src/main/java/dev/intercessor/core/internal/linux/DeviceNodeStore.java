package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import dev.intercessor.directories.PrivateDirectories;

/**
 * A small tmpfs of the supervisor's, mounted in the host's mount namespace (so its superblock
 * belongs to the initial user namespace and device nodes on it open), holding the nodes that are
 * bind-mounted into containers. A node lives here only until it is mounted: then its name is
 * removed and the mount keeps the inode.
 */
public final class DeviceNodeStore {

    private static final long MS_NOSUID = 2;
    private static final long MS_NOEXEC = 8;
    private static final int MNT_DETACH = 2;

    private static volatile int directory = -1;
    private static String mountedAt;
    private static List<Path> made = List.of();

    private DeviceNodeStore() {
    }

    /** Mounts a fresh store at {@code path} (replacing one left by an earlier run). */
    public static synchronized void mount(String path) throws IOException, LinuxException {
        unmount();
        Path dir = Path.of(path);
        made = PrivateDirectories.create(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Linux.libc().umount2(path, MNT_DETACH); // an earlier run's store, if it crashed
        Linux.check("mount tmpfs at " + path, Linux.libc().mount("intercessor-devices", path, "tmpfs",
                MS_NOSUID | MS_NOEXEC, "mode=0700,size=64k,nr_inodes=65536"));
        directory = Linux.openat(Linux.AT_FDCWD, path, Linux.O_PATH | Linux.O_DIRECTORY);
        mountedAt = path;
    }

    /** Detaches the store; nodes already mounted into containers keep working. */
    public static synchronized void unmount() {
        if (mountedAt != null) {
            Linux.close(directory);
            directory = -1;
            Linux.libc().umount2(mountedAt, MNT_DETACH);
            PrivateDirectories.removeIfEmpty(made);
            made = List.of();
            mountedAt = null;
        }
    }

    /** @return the store's directory fd, or -1 if there is none */
    static int directory() {
        return directory;
    }
}
