package dev.intercessor.core.internal.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Dictionary;

/** Where a configuration comes from, for messages: the file FileInstall read, else its PID. */
public final class ConfigOrigin {

    /** What FileInstall adds to a configuration it made from a file: the file's URL. */
    public static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";

    private ConfigOrigin() {
    }

    /** @return e.g. {@code /opt/intercessor/etc/dev.intercessor.core.cfg}, or {@code configuration dev.intercessor.core} */
    public static String of(String pid, Object fileName) {
        if (fileName != null) {
            String name = String.valueOf(fileName);
            try {
                return name.startsWith("file:") ? Path.of(URI.create(name)).toString() : name;
            } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                return name;
            }
        }
        return "configuration " + pid;
    }

    static String of(Dictionary<String, ?> properties) {
        Object pid = properties.get("service.pid");
        return of(pid == null ? "?" : String.valueOf(pid), properties.get(FILEINSTALL_FILENAME));
    }

    /**
     * @return whether {@code key} is one ConfigAdmin, FileInstall or DS adds to every
     *         configuration, not one an operator sets
     */
    static boolean isFrameworkKey(String key) {
        return key.startsWith("service.") || key.startsWith("felix.") || key.startsWith("component.")
                || key.startsWith("osgi.") || key.startsWith(".") || key.equals("objectClass");
    }
}
