package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.SyscallException;

/**
 * Makes a container's device node usable: a replica of the same device, owner, group and mode is
 * made on the supervisor's {@link DeviceNodeStore} (whose superblock belongs to the initial user
 * namespace, so it opens) and bind-mounted over the caller's node, which a userns tmpfs never
 * opens (SB_I_NODEV). Counted per container against {@link HostFacilities#deviceNodesPerContainer}.
 */
final class DeviceReplicas {

    private final HostFacilities host;
    /** Replica names: unique across threads and calls. */
    private final AtomicLong counter = new AtomicLong();

    DeviceReplicas(HostFacilities host) {
        this.host = host;
    }

    /**
     * Mounts a usable replica over the caller's node at {@code path}, of {@code type}
     * ({@link FileStat#S_IFCHR}, or {@link FileStat#S_IFBLK} for a loop device the supervisor
     * assigned to the container), on a thread switched to the caller. On failure the caller's node
     * is removed (if it is still that device). With {@code keep} the replica keeps its name in the
     * store (a mount of an unlinked node cannot be cloned and attached again, as the FUSE helper
     * does with a block device) until the container detaches.
     *
     * @return the replica's name in the store if kept, else null
     */
    String mountUsableNode(CallerIdentity identity, CallerFiles files, String path, int type, int major, int minor,
            boolean keep) throws SyscallException {
        int quota = host.deviceNodesPerContainer();
        ContainerInit container = identity.container();
        if (!container.takeDeviceReplica(quota)) {
            files.removeNode(path, type, major, minor);
            throw new SyscallException(Errno.ENOSPC, "the container has " + quota
                    + " device nodes made usable already (deviceNodesPerContainer)");
        }
        boolean mounted = false;
        try {
            String kept = mountReplica(identity, files, path, type, major, minor, keep);
            mounted = true;
            return kept;
        } finally {
            if (!mounted) {
                container.returnDeviceReplica();
                files.removeNode(path, type, major, minor);
            }
        }
    }

    private String mountReplica(CallerIdentity identity, CallerFiles files, String path, int type, int major,
            int minor, boolean keep) throws SyscallException {
        int store = host.deviceStore().directory();
        if (store < 0) {
            throw new SyscallException(Errno.ENODEV, "no device node store mounted");
        }
        int node = -1;
        int tree = -1;
        byte[] replica = Linux.cPath(Thread.currentThread().getId() + "-" + counter.incrementAndGet());
        boolean replicaMade = false;
        long saved = identity.effective();
        try {
            node = files.openNode(CallerFiles.bytes(path), type, major, minor);
            FileStat stat = files.stat(node);
            // The replica: same device, owner, group and mode, on the supervisor's tmpfs.
            identity.setEffective(1L << Capability.MKNOD.number() | 1L << Capability.DAC_OVERRIDE.number()
                    | 1L << Capability.CHOWN.number() | 1L << Capability.FOWNER.number()
                    | 1L << CallerIdentity.CAP_SYS_ADMIN | 1L << CallerIdentity.CAP_SYS_CHROOT);
            FileCalls.mknodat(store, replica, type | 0600, CallerFiles.makedev(major, minor));
            replicaMade = true;
            FileCalls.fchownat(store, replica, stat.uid(), stat.gid(), Linux.AT_SYMLINK_NOFOLLOW);
            FileCalls.fchmodat(store, replica, stat.mode() & 07777);
            // open_tree(OPEN_TREE_CLONE) only clones mounts of the thread's own mount namespace.
            identity.enterHostMounts();
            try {
                tree = MountCalls.openTreeClone(store, replica);
            } finally {
                identity.enterRoot();
            }
            MountCalls.moveOnto(tree, node);
            if (keep) {
                replicaMade = false;
                String name = new String(replica, 0, replica.length - 1, StandardCharsets.ISO_8859_1);
                DeviceNodeStore deviceStore = host.deviceStore();
                identity.container().onClose(() -> deviceStore.remove(name));
                return name;
            }
            return null;
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            if (replicaMade) {
                FileCalls.unlinkat(store, replica); // the mount keeps the inode
            }
            Linux.close(tree);
            Linux.close(node);
            identity.restoreEffective(saved);
        }
    }
}
