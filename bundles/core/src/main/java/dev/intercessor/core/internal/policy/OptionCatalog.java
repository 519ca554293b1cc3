package dev.intercessor.core.internal.policy;

import java.util.Map;

import dev.intercessor.api.HandlerOption;

/**
 * The options the registered handlers declare, by key, each handler's {@code <handler>.enabled}
 * among them: what the core validates a policy value against. Reads take an immutable snapshot;
 * a new one replaces it whenever handlers come or go.
 */
public final class OptionCatalog {

    private volatile Map<String, HandlerOption<?>> options = Map.of();

    /** @return the current options by key (an immutable snapshot, a new one on every change) */
    public Map<String, HandlerOption<?>> options() {
        return options;
    }

    /** @return the option declared for {@code key}, or {@code null} */
    public HandlerOption<?> get(String key) {
        return options.get(key);
    }

    public void replace(Map<String, HandlerOption<?>> next) {
        options = Map.copyOf(next);
    }
}
