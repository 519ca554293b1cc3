package dev.intercessor.core.internal.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.intercessor.api.Policy;

/**
 * The policy of one container: its OCI annotations {@code dev.intercessor.<key>}, then its
 * seccomp {@code listenerMetadata} lines {@code <key>=<value>}, then the global configuration.
 */
public final class ContainerPolicy implements Policy {

    /** Prefix of the OCI annotations that set policy keys. */
    public static final String ANNOTATION_PREFIX = "dev.intercessor.";

    private final String containerId;
    private final Map<String, String> annotations;
    private final Map<String, String> metadata;
    private final Supplier<Map<String, String>> global;

    public ContainerPolicy(String containerId, Map<String, String> ociAnnotations,
            String listenerMetadata, Supplier<Map<String, String>> global) {
        this.containerId = containerId;
        Map<String, String> a = new HashMap<>();
        ociAnnotations.forEach((k, v) -> {
            if (k.startsWith(ANNOTATION_PREFIX) && k.length() > ANNOTATION_PREFIX.length()) {
                a.put(k.substring(ANNOTATION_PREFIX.length()), v);
            }
        });
        this.annotations = Collections.unmodifiableMap(a);
        this.metadata = Collections.unmodifiableMap(parseMetadata(listenerMetadata));
        this.global = global;
    }

    /**
     * Parses {@code listenerMetadata}: one {@code key=value} per line; blank lines and lines
     * starting with {@code #} are ignored, as are lines without {@code =}.
     */
    public static Map<String, String> parseMetadata(String metadata) {
        Map<String, String> map = new HashMap<>();
        if (metadata == null) {
            return map;
        }
        for (String line : metadata.split("[\r\n]+")) {
            String l = line.trim();
            int eq = l.indexOf('=');
            if (l.isEmpty() || l.startsWith("#") || eq <= 0) {
                continue;
            }
            map.put(l.substring(0, eq).trim(), l.substring(eq + 1).trim());
        }
        return map;
    }

    @Override
    public String containerId() {
        return containerId;
    }

    /** A value with its source. */
    public record Value(String value, PolicySource source) {
    }

    /** @return the value and where it came from, or {@code null} if no source sets it */
    public Value lookup(String key) {
        String v = annotations.get(key);
        if (v != null) {
            return new Value(v, PolicySource.ANNOTATION);
        }
        v = metadata.get(key);
        if (v != null) {
            return new Value(v, PolicySource.METADATA);
        }
        v = global.get().get(key);
        return v == null ? null : new Value(v, PolicySource.GLOBAL);
    }

    @Override
    public Optional<String> get(String key) {
        Value v = lookup(key);
        return v == null ? Optional.empty() : Optional.of(v.value());
    }

    @Override
    public boolean getBoolean(String key, boolean defaultValue) {
        Value v = lookup(key);
        if (v == null) {
            return defaultValue;
        }
        switch (v.value().trim().toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on": case "1":
                return true;
            default:
                return false;
        }
    }

    @Override
    public List<String> getList(String key) {
        Value v = lookup(key);
        List<String> list = new ArrayList<>();
        if (v != null) {
            for (String s : v.value().split(",")) {
                if (!s.isBlank()) {
                    list.add(s.trim());
                }
            }
        }
        return list;
    }
}
