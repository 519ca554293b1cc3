package dev.intercessor.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The effective configuration of one container. Keys are {@code <handler>.<option>}, e.g.
 * {@code mknod.enabled} or {@code mount.allowed}; the first source that sets a key wins: the OCI
 * annotation {@code dev.intercessor.<key>}, a {@code <key>=<value>} line of the seccomp
 * {@code listenerMetadata}, the global configuration, then the handler's own default.
 */
@ProviderType
public interface Policy {

    /** @return the container this policy belongs to */
    String containerId();

    /**
     * @param key a policy key such as {@code mount.allowed}
     * @return the value, if any source sets it
     */
    Optional<String> get(String key);

    /**
     * @param key          a policy key
     * @param defaultValue returned when no source sets the key
     * @return {@code true} for {@code true}/{@code yes}/{@code on}/{@code 1} (any case), otherwise
     *         {@code false}; {@code defaultValue} if unset
     */
    boolean getBoolean(String key, boolean defaultValue);

    /**
     * @param key a policy key whose value is a comma-separated list
     * @return the trimmed, non-empty elements; empty if unset
     */
    List<String> getList(String key);

    /**
     * How {@link #getBoolean} reads a value, for policies and tools that parse one themselves.
     *
     * @return whether {@code value} is {@code true}/{@code yes}/{@code on}/{@code 1} (any case,
     *         surrounding blanks ignored)
     * @since 1.3
     */
    static boolean isTrue(String value) {
        switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true": case "yes": case "on": case "1":
                return true;
            default:
                return false;
        }
    }

    /**
     * How {@link #getList} reads a value.
     *
     * @return the trimmed, non-empty comma-separated elements of {@code value}
     * @since 1.3
     */
    static List<String> elements(String value) {
        List<String> list = new java.util.ArrayList<>();
        for (String s : value.split(",")) {
            if (!s.isBlank()) {
                list.add(s.trim());
            }
        }
        return list;
    }
}
