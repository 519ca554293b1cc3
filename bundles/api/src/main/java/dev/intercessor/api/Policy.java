package dev.intercessor.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The effective configuration of one container. Keys are {@code <handler>.<option>}, e.g.
 * {@code mknod.enabled} or {@code mount.allowed}. The operator decides and the container may only
 * narrow: a value the operator set for this container at runtime wins; else the container's OCI
 * annotation {@code dev.intercessor.<key>} or a {@code <key>=<value>} line of its seccomp
 * {@code listenerMetadata}, held to the operator's bound for the key; else the operator's global
 * configuration; else the handler's default. A handler reads its declared options with
 * {@link #value}, typed and parsed once per policy change.
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
     * The value in effect of one of the handler's options, typed. The core refuses a bad value
     * where it is set, so this is the option's default or a value it accepts, parsed once per
     * policy change.
     *
     * <p>This default implementation parses {@link #get} on every call and gives the default for a
     * value the option refuses.
     *
     * @param option an option the handler declares in {@link SyscallHandler#options()}
     * @return the value, or the option's default if none is set
     * @since 1.3
     */
    default <T> T value(HandlerOption<T> option) {
        Optional<String> value = get(option.key());
        if (value.isEmpty() || option.problem(value.get()) != null) {
            return option.defaultValue();
        }
        return option.parse(value.get());
    }

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
