package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.file.Path;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

/**
 * What the host gives every call the supervisor serves, made once by the supervisor and handed to
 * each {@link ProcTarget}: the device node store, the mount-to-FUSE helper, the host's cgroup
 * mounts, the per-container limit on device replicas, and what was learnt about the kernel
 * (whether PROCMAP_QUERY exists). Safe for any thread.
 */
public final class HostFacilities {

    private final DeviceNodeStore deviceStore = new DeviceNodeStore();
    private final DeviceReplicas deviceReplicas = new DeviceReplicas(this);
    private volatile Path fuseHelper = Path.of("libexec/intercessor-fuse");
    private volatile int deviceNodesPerContainer = 256;
    private volatile CgroupMounts cgroupMounts;
    private volatile boolean mapQueryMissing;

    /** @return the tmpfs that holds device replicas; the supervisor mounts and unmounts it */
    public DeviceNodeStore deviceStore() {
        return deviceStore;
    }

    DeviceReplicas deviceReplicas() {
        return deviceReplicas;
    }

    /** @param helper the mount-to-FUSE helper (libexec/intercessor-fuse of the distribution) */
    public void useFuseHelper(Path helper) {
        fuseHelper = helper;
    }

    Path fuseHelper() {
        return fuseHelper;
    }

    /** @param limit device replicas one container may have mounted; the store has room for many containers' worth */
    public void limitDeviceNodesPerContainer(int limit) {
        deviceNodesPerContainer = Math.max(0, limit);
    }

    int deviceNodesPerContainer() {
        return deviceNodesPerContainer;
    }

    /** The host's cgroup mounts, read once for the supervisor's life. */
    CgroupMounts cgroupMounts() throws SyscallException {
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

    /** @return whether the kernel was found without PROCMAP_QUERY (before 6.11) */
    boolean mapQueryMissing() {
        return mapQueryMissing;
    }

    void noteMapQueryMissing() {
        mapQueryMissing = true;
    }
}
