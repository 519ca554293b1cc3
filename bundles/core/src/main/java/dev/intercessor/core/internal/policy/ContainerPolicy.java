package dev.intercessor.core.internal.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.intercessor.admin.PolicyEntry.Source;
import dev.intercessor.api.Policy;

/**
 * The policy of one container: what an operator set for it at runtime, then its OCI annotations
 * {@code dev.intercessor.<key>}, then its seccomp {@code listenerMetadata} lines
 * {@code <key>=<value>}, then the global configuration.
 */
public final class ContainerPolicy implements Policy {

    /** Prefix of the OCI annotations that set policy keys. */
    public static final String ANNOTATION_PREFIX = "dev.intercessor.";

    private final String containerId;
    private final Map<String, String> annotations;
    private final Map<String, String> metadata;
    private final Supplier<Map<String, String>> global;
    private final Map<String, String> runtime = new ConcurrentHashMap<>();

    /** What a policy key looks like: {@code <handler>.<option>}, lower case. */
    public static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)+");

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
    public record Value(String value, Source source) {
    }

    /** @return the value and where it came from, or {@code null} if no source sets it */
    public Value lookup(String key) {
        String v = runtime.isEmpty() ? null : runtime.get(key);
        if (v != null) {
            return new Value(v, Source.RUNTIME);
        }
        v = annotations.get(key);
        if (v != null) {
            return new Value(v, Source.ANNOTATION);
        }
        v = metadata.get(key);
        if (v != null) {
            return new Value(v, Source.METADATA);
        }
        v = global.get().get(key);
        return v == null ? null : new Value(v, Source.GLOBAL);
    }

    /** @return every key some source sets, with the value in effect, sorted by key */
    public Map<String, Value> effective() {
        Map<String, Value> all = new java.util.TreeMap<>();
        for (Map<String, String> m : List.of(global.get(), metadata, annotations, runtime)) {
            for (String key : m.keySet()) {
                Value v = lookup(key);
                if (v != null) {
                    all.put(key, v);
                }
            }
        }
        return all;
    }

    /**
     * Sets {@code key} for this container above every other source, from its next call.
     *
     * @throws IllegalArgumentException for a malformed key or a null value
     */
    public void set(String key, String value) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("malformed policy key '" + key
                    + "' (expected <handler>.<option>, e.g. mknod.enabled)");
        }
        if (value == null) {
            throw new IllegalArgumentException("no value for " + key);
        }
        runtime.put(key, value);
    }

    /** @return whether {@code key} had been set at runtime */
    public boolean reset(String key) {
        return key != null && runtime.remove(key) != null;
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
