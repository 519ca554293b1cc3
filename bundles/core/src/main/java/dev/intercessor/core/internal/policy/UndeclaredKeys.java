package dev.intercessor.core.internal.policy;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.intercessor.api.HandlerOption;
import dev.intercessor.core.internal.config.Spelling;

/**
 * Why a policy key has no effect: no registered handler declares it. Usually a typing mistake
 * ({@code mknod.enabeld}, {@code mknd.enabled}); a key of a handler not deployed yet takes
 * effect when it registers.
 */
public final class UndeclaredKeys {

    private UndeclaredKeys() {
    }

    /**
     * @param key     a policy key, without {@code bound.}
     * @param options the declared options by key, as {@link OptionCatalog#options()} has them
     * @return why no handler reads {@code key}, or {@code null} if one declares it
     */
    public static String problem(String key, Map<String, HandlerOption<?>> options) {
        if (options.containsKey(key)) {
            return null;
        }
        int dot = key.indexOf('.');
        String handler = dot > 0 ? key.substring(0, dot) : key;
        Set<String> handlers = new TreeSet<>();
        Set<String> ofHandler = new TreeSet<>();
        options.values().forEach(o -> {
            handlers.add(o.handler());
            if (o.handler().equals(handler)) {
                ofHandler.add(o.key());
            }
        });
        if (ofHandler.isEmpty()) {
            String near = Spelling.closest(handler, handlers);
            return "no registered handler is named " + handler
                    + (near != null ? " (did you mean " + near + "?)" : " (handlers: " + String.join(", ", handlers) + ")");
        }
        String near = Spelling.closest(key, ofHandler);
        return "handler " + handler + " has no option " + key.substring(handler.length() + 1)
                + (near != null ? " (did you mean " + near + "?)" : " (its keys: " + String.join(", ", ofHandler) + ")");
    }
}
