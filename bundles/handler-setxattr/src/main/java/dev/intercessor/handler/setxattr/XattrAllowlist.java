package dev.intercessor.handler.setxattr;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The (name, value) pairs a container may set through Intercessor, from the policy key
 * {@code setxattr.allowed}: comma-separated {@code name=value} entries, e.g.
 * {@code trusted.overlay.opaque=y}. Values are compared byte for byte (as UTF-8).
 */
final class XattrAllowlist {

    static final String DEFAULT = "trusted.overlay.opaque=y";
    /** One entry: a non-empty name without blanks or '=', then '=' and the value. */
    static final Pattern ENTRY = Pattern.compile("[^\\s=]+=.*");

    private record Entry(String name, byte[] value) {
    }

    private final List<Entry> entries;

    private XattrAllowlist(List<Entry> entries) {
        this.entries = entries;
    }

    /** @throws IllegalArgumentException for an entry without {@code =} or with an empty name */
    static XattrAllowlist parse(List<String> items) {
        return new XattrAllowlist(items.stream().map(item -> {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("setxattr.allowed: expected name=value, got " + item);
            }
            return new Entry(item.substring(0, eq).trim(), item.substring(eq + 1).getBytes(StandardCharsets.UTF_8));
        }).toList());
    }

    /** @return whether some entry has this name (the value is then worth reading) */
    boolean names(String name) {
        return entries.stream().anyMatch(e -> e.name().equals(name));
    }

    boolean allows(String name, byte[] value) {
        return entries.stream().anyMatch(e -> e.name().equals(name) && Arrays.equals(e.value(), value));
    }
}
