package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.intercessor.api.CgroupDirectory;

/**
 * Where the host mounts its cgroup hierarchies, read from {@code /proc/self/mountinfo}: the v1
 * hierarchy of each controller, and the v2 (unified) hierarchy with the controllers it offers.
 */
public final class CgroupMounts {

    private final Map<String, Path> v1 = new HashMap<>();
    private Path v2;
    private List<String> v2Controllers = List.of();

    /** @param mountinfo the text of a {@code mountinfo} file */
    public CgroupMounts(String mountinfo) {
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] left = line.substring(0, dash).split(" ");
            String[] right = line.substring(dash + 3).split(" ");
            if (left.length < 5 || right.length < 3 || !left[3].equals("/")) {
                continue; // only whole hierarchies: a bind of a sub-cgroup has another root
            }
            Path mountPoint = Path.of(unescape(left[4]));
            if (right[0].equals("cgroup2") && v2 == null) {
                v2 = mountPoint;
            } else if (right[0].equals("cgroup")) {
                for (String option : right[2].split(",")) {
                    v1.putIfAbsent(option, mountPoint);
                }
            }
        }
    }

    /** @return the host's hierarchies, with the v2 controllers read from its root */
    public static CgroupMounts ofHost() throws IOException {
        CgroupMounts mounts = new CgroupMounts(Files.readString(Path.of("/proc/self/mountinfo")));
        if (mounts.v2 != null) {
            Path controllers = mounts.v2.resolve("cgroup.controllers");
            if (Files.exists(controllers)) {
                mounts.v2Controllers = List.of(Files.readString(controllers).trim().split("\\s+"));
            }
        }
        return mounts;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * @param controller a controller name, or "" for the unified hierarchy
     * @param procCgroup the text of {@code /proc/<pid>/cgroup}
     * @return the process's cgroup directory for that controller
     */
    public Optional<CgroupDirectory> locate(String controller, String procCgroup) {
        String v2Path = null;
        for (String line : procCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                v2Path = f[2];
                continue;
            }
            if (!controller.isEmpty()) {
                for (String c : f[1].split(",")) {
                    Path mount = v1.get(c);
                    if (c.equals(controller) && mount != null) {
                        return Optional.of(new CgroupDirectory(mount, resolve(mount, f[2]), 1));
                    }
                }
            }
        }
        if (v2Path != null && v2 != null && (controller.isEmpty() || v2Controllers.contains(controller))) {
            return Optional.of(new CgroupDirectory(v2, resolve(v2, v2Path), 2));
        }
        return Optional.empty();
    }

    /**
     * @param procCgroup the text of {@code /proc/<pid>/cgroup}
     * @return the process's cgroup directory in every hierarchy it is in: each v1 one, and the v2 one
     * @throws IllegalArgumentException if one of them is not mounted on the host, or a path escapes it
     */
    public List<CgroupDirectory> all(String procCgroup) {
        List<CgroupDirectory> directories = new ArrayList<>();
        for (String line : procCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                continue;
            }
            boolean unified = f[0].equals("0") && f[1].isEmpty();
            Path mount = unified ? v2 : v1.get(f[1].split(",")[0]);
            if (mount == null) {
                throw new IllegalArgumentException("a cgroup hierarchy the host does not mount: " + line);
            }
            directories.add(new CgroupDirectory(mount, resolve(mount, f[2]), unified ? 2 : 1));
        }
        return directories;
    }

    private static Path resolve(Path mount, String cgroupPath) {
        Path p = mount.resolve(cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath).normalize();
        if (!p.startsWith(mount)) {
            throw new IllegalArgumentException("cgroup path escapes its hierarchy: " + cgroupPath);
        }
        return p;
    }

    /** For tests: offer these controllers in the v2 hierarchy. */
    CgroupMounts withV2Controllers(List<String> controllers) {
        v2Controllers = List.copyOf(controllers);
        return this;
    }
}
