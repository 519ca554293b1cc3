package dev.intercessor.core.internal.policy;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.intercessor.admin.PolicyEntry.Source;
import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.Policy;

/**
 * The policy of one container. The operator decides, the container may only narrow:
 * <ol>
 * <li>a runtime value an operator set for this container (shell {@code policy}) wins outright;</li>
 * <li>the container's own request — its OCI annotation {@code dev.intercessor.<key>}, else a
 * {@code <key>=<value>} line of its seccomp {@code listenerMetadata} — is narrowed to the
 * operator's <em>bound</em> for the key (see {@link #narrow});</li>
 * <li>then the operator's global value, then the handler's default.</li>
 * </ol>
 * The bound is the global {@value #BOUND_PREFIX}{@code <key>} if the operator wrote one, else the
 * global value, else the handler's default (its declared option's, or {@code <handler>.enabled}'s).
 * A key with no bound cannot be set by a container at all. Annotations and listener metadata are written by whoever
 * creates the container (any pod author under CRI-O), so they never widen what the operator gave.
 *
 * <p>A key a handler declares as a {@link HandlerOption} is held to it: a runtime value it refuses
 * is refused when set, a request it refuses is ignored, narrowing follows its type, its default is
 * the bound when the operator says nothing, and {@link #value} parses the value in effect once per
 * change. (The operator's global values are checked where they are set: {@code GlobalPolicy}.)
 */
public final class ContainerPolicy implements Policy {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.policy");

    /** Prefix of the OCI annotations that set policy keys. */
    public static final String ANNOTATION_PREFIX = "dev.intercessor.";
    /** Prefix of the global keys that bound what containers may ask for. */
    public static final String BOUND_PREFIX = "bound.";

    private final String containerId;
    private final Map<String, String> annotations;
    private final Map<String, String> metadata;
    private final Supplier<Map<String, String>> global;
    private final OptionCatalog options;
    private final Map<String, String> runtime = new ConcurrentHashMap<>();
    /** Keys whose narrowing was logged already, so a hot key logs once per container. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    /**
     * Values looked up, by key: asked on every call ({@code <handler>.enabled}), they change only
     * with the operator's configuration (a new map from {@link #global}), a runtime override
     * ({@link #runtimeChanges}) or the handlers' options (a new map from {@link #options}).
     */
    private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();
    private final AtomicLong runtimeChanges = new AtomicLong();
    /** Whether the container's requests as a whole were checked (at its first lookup, with handlers there). */
    private final AtomicBoolean requestsChecked = new AtomicBoolean();

    private record Typed(HandlerOption<?> option, Object value) {
    }

    /** A value as looked up against one configuration, state of the runtime overrides and of the options. */
    private static final class Resolved {
        final Map<String, String> global;
        final long runtimeChanges;
        final Map<String, HandlerOption<?>> options;
        final String handlerDefault;
        final Value value;
        /** The value as one option parsed it, once. */
        volatile Typed typed;

        Resolved(Map<String, String> global, long runtimeChanges, Map<String, HandlerOption<?>> options,
                String handlerDefault, Value value) {
            this.global = global;
            this.runtimeChanges = runtimeChanges;
            this.options = options;
            this.handlerDefault = handlerDefault;
            this.value = value;
        }
    }

    /** What a policy key looks like: {@code <handler>.<option>}, lower case. */
    public static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_-]*(\\.[a-zA-Z0-9_-]+)+");

    /**
     * @param global the operator's configuration: an immutable map, a new one whenever it changes
     *               (lookups are kept until it does), as {@code GlobalPolicy.values()} gives
     */
    public ContainerPolicy(String containerId, Map<String, String> ociAnnotations,
            String listenerMetadata, Supplier<Map<String, String>> global) {
        this(containerId, ociAnnotations, listenerMetadata, global, new OptionCatalog());
    }

    /** @param options the options the handlers declare, which values are held to */
    public ContainerPolicy(String containerId, Map<String, String> ociAnnotations,
            String listenerMetadata, Supplier<Map<String, String>> global, OptionCatalog options) {
        this.containerId = containerId;
        this.options = options;
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

    /**
     * A value with its source, and the bound it was held to.
     *
     * @param bound       the most this container may ask for, {@code null} if it may not set the key
     * @param boundSource where the bound comes from ({@code null} with no bound)
     */
    public record Value(String value, Source source, String bound, Source boundSource) {

        public Value(String value, Source source) {
            this(value, source, null, null);
        }
    }

    /** @return the value and where it came from, or {@code null} if no source sets it */
    public Value lookup(String key) {
        return lookup(key, null);
    }

    /**
     * @param handlerDefault the handler's default for the key, or {@code null}: used as the value
     *                       (source {@link Source#DEFAULT}) and as the bound when the operator says
     *                       nothing
     * @return the value in effect, or {@code null} if nothing sets it and there is no default
     */
    public Value lookup(String key, String handlerDefault) {
        return resolved(key, handlerDefault).value;
    }

    private Resolved resolved(String key, String handlerDefault) {
        long changes = runtimeChanges.get(); // before reading the overrides: a change after it misses the cache
        Map<String, String> g = global.get();
        Map<String, HandlerOption<?>> o = options.options();
        if (!o.isEmpty() && !requestsChecked.get() && requestsChecked.compareAndSet(false, true)) {
            RequestCheck.report(containerId, annotations, metadata, o, reported);
        }
        Resolved r = resolved.get(key);
        if (r != null && r.global == g && r.runtimeChanges == changes && r.options == o
                && Objects.equals(r.handlerDefault, handlerDefault)) {
            return r;
        }
        r = new Resolved(g, changes, o, handlerDefault, resolve(key, handlerDefault, g, o.get(key)));
        resolved.put(key, r);
        return r;
    }

    /**
     * @param option the option declared for the key, or {@code null}: values it refuses are not
     *               used, and its default stands in for a missing {@code handlerDefault}
     */
    private Value resolve(String key, String handlerDefault, Map<String, String> g, HandlerOption<?> option) {
        if (option != null && handlerDefault == null) {
            handlerDefault = option.defaultText();
        }
        String v = runtime.isEmpty() ? null : runtime.get(key);
        if (v != null && (option == null || option.problem(v) == null)) {
            return new Value(v, Source.RUNTIME, v, Source.RUNTIME);
        }
        String bound = g.get(BOUND_PREFIX + key);
        if (bound != null && option != null && option.boundProblem(bound) != null) {
            bound = null;
        }
        if (bound == null) {
            bound = accepted(option, g.get(key));
        }
        Source boundSource = bound != null ? Source.GLOBAL : handlerDefault != null ? Source.DEFAULT : null;
        if (bound == null) {
            bound = handlerDefault;
        }
        Source source = Source.ANNOTATION;
        String asked = annotations.get(key);
        if (asked == null) {
            source = Source.METADATA;
            asked = metadata.get(key);
        }
        if (asked != null) {
            String narrowed = bound == null ? null : option != null ? option.narrow(asked, bound) : narrow(asked, bound);
            if (narrowed != null) {
                if (!narrowed.equals(asked)) {
                    report(key, source, asked, "narrowed to the operator's bound '" + bound + "': '" + narrowed + "'");
                }
                return new Value(narrowed, source, bound, boundSource);
            }
            report(key, source, asked, bound == null ? "ignored: the operator allows containers no value for it"
                    : option != null && option.problem(asked) != null ? "ignored: " + option.problem(asked)
                    : "ignored: not a value of the operator's bound '" + bound + "'");
        }
        v = accepted(option, g.get(key));
        if (v != null) {
            return new Value(v, Source.GLOBAL, bound, boundSource);
        }
        return handlerDefault == null ? null : new Value(handlerDefault, Source.DEFAULT, bound, boundSource);
    }

    /** @return {@code value} if {@code option} (if any) accepts it, else {@code null} */
    private static String accepted(HandlerOption<?> option, String value) {
        return value == null || option == null || option.problem(value) == null ? value : null;
    }

    private void report(String key, Source source, String asked, String what) {
        if (reported.add(key)) {
            LOG.log(Level.WARNING, () -> "container " + containerId + ": " + source.name().toLowerCase(Locale.ROOT)
                    + " " + key + "='" + asked + "' " + what);
        }
    }

    /**
     * Holds a container's request to the operator's bound, by the bound's shape: a boolean
     * ({@code true/false/yes/no/on/off}) allows {@code true} only if it is true; a number is a
     * maximum; anything else is a comma-separated allowlist, and the request keeps the elements
     * the bound has.
     *
     * @return the narrowed value, or {@code null} if the request does not fit the bound's shape
     */
    public static String narrow(String request, String bound) {
        Boolean b = bool(bound);
        if (b != null) {
            Boolean r = bool(request);
            return r == null ? null : Boolean.toString(r && b);
        }
        Long max = number(bound);
        if (max != null) {
            Long r = number(request);
            return r == null ? null : Long.toString(Math.min(r, max));
        }
        Set<String> allowed = new LinkedHashSet<>(elements(bound));
        List<String> kept = new ArrayList<>();
        for (String e : elements(request)) {
            if (allowed.contains(e)) {
                kept.add(e);
            }
        }
        return String.join(",", kept);
    }

    private static Boolean bool(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on":
                return Boolean.TRUE;
            case "false": case "no": case "off":
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    private static Long number(String s) {
        try {
            return Long.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<String> elements(String value) {
        return Policy.elements(value);
    }

    /**
     * @param defaults the handlers' defaults by key (e.g. {@code mknod.enabled=true})
     * @return every key some source sets or bounds or a handler defaults, with the value in effect
     *         (a {@code null} value: bounded, but nothing sets it), sorted by key
     */
    public Map<String, Value> effective(Map<String, String> defaults) {
        Map<String, Value> all = new TreeMap<>();
        Set<String> keys = new LinkedHashSet<>();
        for (String key : global.get().keySet()) {
            keys.add(key.startsWith(BOUND_PREFIX) ? key.substring(BOUND_PREFIX.length()) : key);
        }
        keys.addAll(metadata.keySet());
        keys.addAll(annotations.keySet());
        keys.addAll(runtime.keySet());
        keys.addAll(defaults.keySet());
        for (String key : keys) {
            Value v = lookup(key, defaults.get(key));
            String bound = boundOf(key);
            all.put(key, v != null ? v : new Value(null, null, bound, bound == null ? null : Source.GLOBAL));
        }
        return all;
    }

    private String boundOf(String key) {
        Map<String, String> g = global.get();
        String bound = g.get(BOUND_PREFIX + key);
        return bound != null ? bound : g.get(key);
    }

    /**
     * Sets {@code key} for this container above every other source, from its next call. This is
     * the operator's own word for the container, so no bound applies.
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
        HandlerOption<?> option = options.get(key);
        String problem = option == null ? null : option.problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(key + ": " + problem + "; nothing changed (" + option.description() + ")");
        }
        runtime.put(key, value);
        runtimeChanges.incrementAndGet(); // after the change: a lookup that saw the new count sees it
    }

    /** @return whether {@code key} had been set at runtime */
    public boolean reset(String key) {
        boolean removed = key != null && runtime.remove(key) != null;
        runtimeChanges.incrementAndGet();
        return removed;
    }

    @Override
    public Optional<String> get(String key) {
        Value v = lookup(key);
        return v == null ? Optional.empty() : Optional.of(v.value());
    }

    @Override
    public boolean getBoolean(String key, boolean defaultValue) {
        return Policy.isTrue(lookup(key, Boolean.toString(defaultValue)).value());
    }

    @Override
    public List<String> getList(String key) {
        Value v = lookup(key);
        return v == null ? new ArrayList<>() : elements(v.value());
    }

    /** The value in effect, parsed once per change of what it was resolved from. */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T value(HandlerOption<T> option) {
        Resolved r = resolved(option.key(), option.defaultText());
        Typed t = r.typed;
        if (t != null && t.option() == option) {
            return (T) t.value();
        }
        String v = r.value == null ? null : r.value.value();
        T typed = v == null || option.problem(v) != null ? option.defaultValue() : option.parse(v);
        r.typed = new Typed(option, typed);
        return typed;
    }
}
