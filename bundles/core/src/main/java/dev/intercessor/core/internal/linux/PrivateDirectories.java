package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Directories the supervisor makes for its sockets and mounts: every missing one is made root's
 * and 0700 (no one else may reach what is below), and removed again, if empty, when no longer
 * needed.
 */
public final class PrivateDirectories {

    private PrivateDirectories() {
    }

    /** @return the directories made, outermost first (to pass to {@link #removeIfEmpty}) */
    public static List<Path> create(Path dir) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path d = dir.toAbsolutePath(); d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.add(0, d);
        }
        for (Path d : missing) {
            Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------")); // umask
        }
        return missing;
    }

    /** Removes the directories {@link #create} made, innermost first, as far as they are empty. */
    public static void removeIfEmpty(List<Path> made) {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(made.get(i));
            } catch (IOException e) {
                return; // not empty: something else lives there now
            }
        }
    }
}
