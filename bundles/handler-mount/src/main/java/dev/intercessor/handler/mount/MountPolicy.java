package dev.intercessor.handler.mount;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.intercessor.api.Policy;

/**
 * How a container may mount each filesystem type, from its policy (LXD-compatible in meaning):
 * {@code mount.allowed=ext4,…} (a kernel mount in its mount namespace), {@code mount.shift=true}
 * (those kernel mounts idmapped to its user namespace) and {@code mount.fuse=ext4=fuse2fs,…}
 * (a FUSE server on the source instead of the kernel). FUSE wins over a kernel mount for a type
 * in both lists: the kernel then never parses the image.
 */
final class MountPolicy {

    enum Mode {
        /** the kernel mounts it in the container's mount namespace */
        KERNEL,
        /** the same, idmapped to the container's user namespace */
        KERNEL_SHIFTED,
        /** a FUSE server mounts it */
        FUSE
    }

    /** What to do for one filesystem type. */
    record Decision(Mode mode, String fuseServer) {
    }

    private final List<String> allowed;
    private final boolean shift;
    private final Map<String, String> fuse;

    private MountPolicy(List<String> allowed, boolean shift, Map<String, String> fuse) {
        this.allowed = allowed;
        this.shift = shift;
        this.fuse = fuse;
    }

    static MountPolicy of(Policy policy) {
        Map<String, String> fuse = new HashMap<>();
        for (String entry : policy.getList("mount.fuse")) {
            int eq = entry.indexOf('=');
            String type = eq < 0 ? "" : entry.substring(0, eq).trim();
            String server = eq < 0 ? "" : entry.substring(eq + 1).trim();
            // A server is a program name only: the supervisor finds it on its own path, so a
            // container's policy can never name a file to run.
            if (type.matches("[a-z0-9._-]+") && server.matches("[A-Za-z0-9._-]+")) {
                fuse.put(type, server);
            }
        }
        return new MountPolicy(policy.getList("mount.allowed"), policy.getBoolean("mount.shift", false), fuse);
    }

    /** @return what to do for {@code fstype}, or empty: the kernel decides (EPERM in a user namespace) */
    Optional<Decision> decide(String fstype) {
        String server = fuse.get(fstype);
        if (server != null) {
            return Optional.of(new Decision(Mode.FUSE, server));
        }
        if (allowed.contains(fstype)) {
            return Optional.of(new Decision(shift ? Mode.KERNEL_SHIFTED : Mode.KERNEL, null));
        }
        return Optional.empty();
    }
}
