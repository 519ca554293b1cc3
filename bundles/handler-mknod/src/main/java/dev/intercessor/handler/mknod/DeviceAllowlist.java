package dev.intercessor.handler.mknod;

import java.util.Map;

/**
 * The character devices a container may create: harmless ones every container needs (named here
 * by their usual host path), and the overlayfs whiteout (0:0).
 */
final class DeviceAllowlist {

    private static final Map<Integer, String> HOST_NODES = Map.of(
            key(1, 3), "/dev/null",
            key(1, 5), "/dev/zero",
            key(1, 7), "/dev/full",
            key(1, 8), "/dev/random",
            key(1, 9), "/dev/urandom",
            key(5, 0), "/dev/tty",
            key(5, 1), "/dev/console",
            key(5, 2), "/dev/ptmx");

    private DeviceAllowlist() {
    }

    private static int key(int major, int minor) {
        return major << 20 | minor;
    }

    static boolean isWhiteout(int major, int minor) {
        return major == 0 && minor == 0;
    }

    static boolean allows(int major, int minor) {
        return isWhiteout(major, minor) || hostNode(major, minor) != null;
    }

    /** @return the usual name of an allowed device, {@code null} for the whiteout or others */
    static String hostNode(int major, int minor) {
        if (major < 0 || major > 0xfff || minor < 0 || minor > 0xfffff) {
            return null;
        }
        return HOST_NODES.get(key(major, minor));
    }

    /** The kernel's {@code new_decode_dev} of the u32 {@code dev} argument. */
    static int major(long dev) {
        return (int) ((dev & 0xfff00L) >>> 8);
    }

    static int minor(long dev) {
        return (int) ((dev & 0xffL) | ((dev >>> 12) & 0xfff00L));
    }
}
