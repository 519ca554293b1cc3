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
 * removed and the mount keeps the inode. One per supervisor ({@link HostFacilities}).
 */
public final class DeviceNodeStore {

    private volatile int directory = -1;
    private String mountedAt;
    private List<Path> made = List.of();

    /** Mounts a fresh store at {@code path} (replacing one left by an earlier run). */
    public synchronized void mount(String path) throws IOException, LinuxException {
        unmount();
        Path dir = Path.of(path);
        made = PrivateDirectories.create(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        MountCalls.detach(path); // an earlier run's store, if it crashed
        MountCalls.mountTmpfs("intercessor-devices", path, "mode=0700,size=64k,nr_inodes=65536");
        directory = Linux.openat(Linux.AT_FDCWD, path, Linux.O_PATH | Linux.O_DIRECTORY);
        mountedAt = path;
    }

    /** Detaches the store; nodes already mounted into containers keep working. */
    public synchronized void unmount() {
        if (mountedAt != null) {
            Linux.close(directory);
            directory = -1;
            MountCalls.detach(mountedAt);
            PrivateDirectories.removeIfEmpty(made);
            made = List.of();
            mountedAt = null;
        }
    }

    /** @return the store's directory fd, or -1 if there is none */
    int directory() {
        return directory;
    }

    /** Removes a replica kept in the store (see {@link DeviceReplicas#mountUsableNode}); its mounts stay. */
    public void remove(String replica) {
        int store = directory;
        if (store >= 0) {
            FileCalls.unlinkat(store, Linux.cPath(replica));
        }
    }
}
