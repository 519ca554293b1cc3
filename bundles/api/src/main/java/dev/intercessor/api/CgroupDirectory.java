package dev.intercessor.api;

import java.nio.file.Path;

/**
 * A cgroup's directory on the host.
 *
 * @param hierarchy the mount point of its hierarchy, e.g. {@code /sys/fs/cgroup/memory}
 * @param path      the cgroup's directory, e.g. {@code /sys/fs/cgroup/memory/intercessor/abc}
 * @param version   1 for a cgroup v1 hierarchy, 2 for the unified hierarchy
 */
public record CgroupDirectory(Path hierarchy, Path path, int version) {
}
