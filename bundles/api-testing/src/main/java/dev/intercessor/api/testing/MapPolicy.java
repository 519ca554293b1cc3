package dev.intercessor.api.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.Policy;

/**
 * A {@link Policy} whose effective values are a map the test fills, read with the core's rules:
 * {@link #getBoolean} is {@code true} for {@code true}/{@code yes}/{@code on}/{@code 1} in any case
 * and with surrounding blanks, {@code false} for any other value, the default if unset;
 * {@link #getList} splits on commas and keeps the trimmed non-empty elements; {@link #value} parses
 * with the option and throws for a value it refuses. It stands for the
 * result of the core's layering (operator, annotations, listener metadata, bounds): set the values
 * the handler is to see.
 */
public final class MapPolicy implements Policy {

    private final String containerId;
    private final Map<String, String> values = new HashMap<>();

    /** An empty policy of container {@code "container"}. */
    public MapPolicy() {
        this("container", Map.of());
    }

    /**
     * @param containerId the container
     * @param values      the effective values by key
     */
    public MapPolicy(String containerId, Map<String, String> values) {
        this.containerId = containerId;
        this.values.putAll(values);
    }

    /**
     * @param keysAndValues key, value, key, value, …
     * @return a policy of container {@code "container"} with those values
     */
    public static MapPolicy of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("MapPolicy.of: keys and values come in pairs");
        }
        MapPolicy policy = new MapPolicy();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            policy.set(keysAndValues[i], keysAndValues[i + 1]);
        }
        return policy;
    }

    /** @return this, with {@code key} set to {@code value} */
    public MapPolicy set(String key, String value) {
        values.put(key, value);
        return this;
    }

    /** @return this, with {@code key} unset */
    public MapPolicy unset(String key) {
        values.remove(key);
        return this;
    }

    @Override
    public String containerId() {
        return containerId;
    }

    @Override
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public boolean getBoolean(String key, boolean defaultValue) {
        String value = values.get(key);
        return value == null ? defaultValue : Policy.isTrue(value);
    }

    @Override
    public List<String> getList(String key) {
        String value = values.get(key);
        return value == null ? new ArrayList<>() : Policy.elements(value);
    }

    /**
     * The option's default if unset, else the value parsed.
     *
     * @throws IllegalArgumentException for a value the option does not accept: the core would have
     *                                  refused it where it was set, so a handler never sees it
     */
    @Override
    public <T> T value(HandlerOption<T> option) {
        String value = values.get(option.key());
        return value == null ? option.defaultValue() : option.parse(value);
    }

    @Override
    public String toString() {
        return "MapPolicy " + containerId + " " + values;
    }
}
