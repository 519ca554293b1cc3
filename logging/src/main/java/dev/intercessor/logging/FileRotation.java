package dev.intercessor.logging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Size rotation by renaming, for the daemon's log and the audit log alike: {@code log} becomes
 * {@code log.1} (the newest), {@code log.1} becomes {@code log.2}, and so on.
 */
public final class FileRotation {

    private FileRotation() {
    }

    /** log.(n-1) → .n, ..., log → .1; the oldest beyond {@code files} goes ({@code files} 0: log goes). */
    public static void rotate(Path path, int files) throws IOException {
        if (files <= 0) {
            Files.deleteIfExists(path);
            return;
        }
        Files.deleteIfExists(rotated(path, files));
        for (int i = files - 1; i >= 1; i--) {
            Path from = rotated(path, i);
            if (Files.exists(from)) {
                Files.move(from, rotated(path, i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (Files.exists(path)) {
            Files.move(path, rotated(path, 1), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** @return the {@code i}th rotated file of {@code path} */
    public static Path rotated(Path path, int i) {
        return path.resolveSibling(path.getFileName() + "." + i);
    }
}
