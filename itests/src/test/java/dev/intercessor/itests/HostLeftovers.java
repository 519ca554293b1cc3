package dev.intercessor.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Cleanup of what container engines leave on the host. Some paths an engine makes on first use
 * even with all its state sent elsewhere (Podman 4.3: {@code /var/lib/containers/cache},
 * {@code /run/containers}, the cgroup {@code libpod_parent} its conmon processes go to;
 * containerd 1.6's shims: {@code /run/containerd/s}): noted before, those that were absent then
 * are removed again. And a directory of the test's own goes with whatever is still mounted under
 * it.
 */
final class HostLeftovers {

    private final List<Path> absent = new ArrayList<>();
    private final List<Path> absentCgroups = new ArrayList<>();

    private HostLeftovers() {
    }

    /** Notes which of these paths do not exist yet. */
    static HostLeftovers note(String... paths) {
        HostLeftovers l = new HostLeftovers();
        for (String p : paths) {
            if (!Files.exists(Path.of(p), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                l.absent.add(Path.of(p));
            }
        }
        return l;
    }

    /** Notes also in which cgroup hierarchies (/sys/fs/cgroup/*) a cgroup of this name does not exist yet. */
    HostLeftovers cgroup(String name) throws IOException {
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                if (Files.isDirectory(h) && !Files.exists(h.resolve(name))) {
                    absentCgroups.add(h.resolve(name));
                }
            }
        }
        return this;
    }

    /**
     * Removes the noted paths that were absent and exist now; of the cgroups, those no process is
     * in ({@code rmdir} refuses the others), children first.
     */
    void remove() throws IOException, InterruptedException {
        for (Path p : absent) {
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                removeTree(p);
            }
        }
        for (Path cgroup : absentCgroups) {
            if (Files.isDirectory(cgroup)) {
                List<Path> dirs;
                try (Stream<Path> tree = Files.walk(cgroup)) {
                    dirs = tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
                }
                for (Path d : dirs) {
                    try {
                        Files.delete(d);
                    } catch (IOException busy) {
                        // still in use: not ours to take away
                    }
                }
            }
        }
    }

    /** Unmounts everything mounted under {@code dir} (deepest first), then deletes it. */
    static void removeTree(Path dir) throws IOException, InterruptedException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String prefix = dir.toAbsolutePath().normalize() + "/";
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = unescape(line.split(" ")[4]);
            if ((point + "/").startsWith(prefix)) {
                mounts.add(point);
            }
        }
        mounts.sort(Comparator.comparingInt(String::length).reversed());
        for (String point : mounts) {
            if (Container.execute(List.of("umount", point)).exit() != 0) {
                Container.execute(List.of("umount", "-l", point));
            }
        }
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
