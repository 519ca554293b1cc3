package dev.intercessor.handler.mount;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.Policy;

/**
 * How a container may mount each filesystem type, from its policy (LXD-compatible in meaning):
 * {@code mount.allowed=ext4,…} (a kernel mount in its mount namespace), {@code mount.shift=true}
 * (those kernel mounts idmapped to its user namespace) and {@code mount.fuse=ext4=/usr/bin/fuse2fs,…}
 * (a FUSE server, by absolute path under {@code /usr/}, on the source instead of the kernel). FUSE wins over a kernel mount for a type
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

    private static final Logger LOG = System.getLogger("dev.intercessor.handler.mount");
    /** Entries already logged as ignored: the policy is read again for every call. */
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    /** One filesystem type, as mount(2) names it. */
    private static final String TYPE = "[a-z0-9._-]+";

    static final HandlerOption<List<String>> ALLOWED = HandlerOption.list("mount.allowed", List.of(),
            Pattern.compile(TYPE), "filesystem types container root may mount with the kernel, in its own mount "
                    + "namespace (the kernel then parses the image: see docs/MOUNT-TO-FUSE.md)");
    static final HandlerOption<Boolean> SHIFT = HandlerOption.bool("mount.shift", false,
            "whether those kernel mounts are idmapped to the container's user namespace");
    static final HandlerOption<List<String>> FUSE = HandlerOption.list("mount.fuse", List.of(),
            Pattern.compile(TYPE + "=/usr(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+"), "filesystem types mounted by a FUSE "
                    + "server instead of the kernel, as TYPE=/usr/ABSOLUTE/PATH of the server");

    static MountPolicy of(Policy policy) {
        return of(policy.value(ALLOWED), policy.value(SHIFT), policy.value(FUSE));
    }

    static MountPolicy of(List<String> allowed, boolean shift, List<String> fuseEntries) {
        Map<String, String> fuse = new HashMap<>();
        for (String entry : fuseEntries) {
            int eq = entry.indexOf('=');
            String type = eq < 0 ? "" : entry.substring(0, eq).trim();
            String server = eq < 0 ? "" : entry.substring(eq + 1).trim();
            // A server is the operator's absolute path under /usr/ (the supervisor checks it
            // again, and runs an unreadable copy of that file): never a name looked up somewhere.
            if (type.matches("[a-z0-9._-]+") && isServerPath(server)) {
                fuse.put(type, server);
            } else if (REPORTED.size() < 64 && REPORTED.add(entry)) {
                LOG.log(Level.WARNING, () -> "mount.fuse entry ignored (TYPE=/usr/ABSOLUTE/PATH expected): "
                        + entry.replaceAll("[^\\x20-\\x7e]", "?"));
            }
        }
        return new MountPolicy(allowed, shift, fuse);
    }

    /** @return whether {@code server} is a normalized absolute path under /usr/: no "", "." or ".." component */
    static boolean isServerPath(String server) {
        return server.startsWith("/usr/") && server.length() <= 200
                && server.matches("(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+");
    }

    /** @return whether any type is mounted through the handler */
    boolean emulatesAny() {
        return !allowed.isEmpty() || !fuse.isEmpty();
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
