package dev.intercessor.core.internal.policy;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.intercessor.admin.PolicyEntry.Source;
import dev.intercessor.api.HandlerOption;

/**
 * What is wrong with a container's requests (annotations, listener metadata) as a whole, checked
 * once, when its calls are first served: a key no handler declares, or a value its option refuses.
 * A lookup would name only the keys a handler asks for, and only when it asks.
 */
final class RequestCheck {

    /** One request the container's policy cannot use, and why. */
    record Problem(String key, Source source, String value, String what) {
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.core.policy");
    /** The most problems of one container named in the log; the rest are counted. */
    static final int LOGGED = 10;

    private RequestCheck() {
    }

    /**
     * Logs the problems of one container's requests as WARNINGs, at most {@value #LOGGED}.
     *
     * @param reported the keys already named for this container; those named here are added
     */
    static void report(String containerId, Map<String, String> annotations, Map<String, String> metadata,
            Map<String, HandlerOption<?>> options, Set<String> reported) {
        List<Problem> problems = problems(annotations, metadata, options);
        problems.removeIf(p -> !reported.add(p.key()));
        problems.stream().limit(LOGGED).forEach(p -> LOG.log(Level.WARNING, () -> "container " + containerId + ": "
                + p.source().name().toLowerCase(Locale.ROOT) + " " + p.key() + "='" + p.value() + "' " + p.what()));
        if (problems.size() > LOGGED) {
            LOG.log(Level.WARNING, () -> "container " + containerId + ": and " + (problems.size() - LOGGED)
                    + " more requests that have no effect or are ignored");
        }
    }

    /** @return the problems, annotations first, each key once (an annotation hides the same key's metadata line) */
    static List<Problem> problems(Map<String, String> annotations, Map<String, String> metadata,
            Map<String, HandlerOption<?>> options) {
        List<Problem> problems = new ArrayList<>();
        add(problems, new TreeMap<>(annotations), Source.ANNOTATION, options);
        Map<String, String> lines = new TreeMap<>(metadata);
        lines.keySet().removeAll(annotations.keySet());
        add(problems, lines, Source.METADATA, options);
        return problems;
    }

    private static void add(List<Problem> problems, Map<String, String> requests, Source source,
            Map<String, HandlerOption<?>> options) {
        requests.forEach((key, value) -> {
            HandlerOption<?> option = options.get(key);
            String refused = option == null ? null : option.problem(value);
            if (option == null) {
                problems.add(new Problem(key, source, value, "has no effect: " + UndeclaredKeys.problem(key, options)));
            } else if (refused != null) {
                problems.add(new Problem(key, source, value, "ignored: " + refused));
            }
        });
    }
}
