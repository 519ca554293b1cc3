package dev.intercessor.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One option a handler reads from a container's {@link Policy}: its key, type, default, bounds and
 * description. A handler lists its options in {@link SyscallHandler#options()}; the core then
 * shows them (metatype, the shell's {@code options}), refuses a bad value where it is set (the
 * operator's configuration, the shell's {@code policy}, a container's annotation) with the reason,
 * and parses the value in effect once per policy change: {@link Policy#value} hands the handler
 * the typed value, never a string to re-parse on every call.
 *
 * <p>Instances are immutable; keep them in constants:
 *
 * <pre>{@code
 * static final HandlerOption<Long> MAX_PROGRAMS = HandlerOption.number("bpf.maxPrograms", 64, 0, 4096,
 *         "device programs a container may have loaded at once");
 * ...
 * long max = policy.value(MAX_PROGRAMS);
 * }</pre>
 *
 * A container may only narrow what the operator allows, by the option's type: a boolean to
 * {@code false}, a number to a smaller one, a list or a text to elements of the operator's list.
 *
 * @param <T> the type of the value: {@code Boolean}, {@code Long}, {@code List<String>} or
 *            {@code String}
 * @since 1.3
 */
public final class HandlerOption<T> {

    /** The kinds of value an option holds. */
    public enum Type {
        /** {@code true}/{@code false} (also {@code yes}/{@code no}, {@code on}/{@code off}, {@code 1}/{@code 0}). */
        BOOLEAN,
        /** A whole number within the option's bounds. */
        NUMBER,
        /** Comma-separated elements; blanks around them ignored, empty ones dropped. */
        LIST,
        /** One string. */
        TEXT
    }

    /** What a key looks like: {@code <handler>.<option>}, e.g. {@code mount.allowed}. */
    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_-]*(\\.[a-zA-Z0-9_-]+)+");

    private final String key;
    private final Type type;
    private final T defaultValue;
    private final String defaultText;
    private final String description;
    private final long min;
    private final long max;
    private final Pattern pattern;
    private final int maxLength;

    private HandlerOption(String key, Type type, T defaultValue, String description, long min, long max,
            Pattern pattern, int maxLength) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("malformed option key '" + key
                    + "' (expected <handler>.<option>, e.g. mount.allowed)");
        }
        this.key = key;
        this.type = type;
        this.description = Objects.requireNonNull(description, "description");
        this.min = min;
        this.max = max;
        this.pattern = pattern;
        this.maxLength = maxLength;
        this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
        this.defaultText = format(defaultValue);
        String problem = problem(defaultText);
        if (problem != null) {
            throw new IllegalArgumentException(key + ": the default is out of bounds: " + problem);
        }
    }

    /**
     * @param key          {@code <handler>.<option>}
     * @param defaultValue the value when nobody sets one (and the most a container may ask for
     *                     while the operator says nothing)
     * @param description  one sentence for operators
     * @return a boolean option
     */
    public static HandlerOption<Boolean> bool(String key, boolean defaultValue, String description) {
        return new HandlerOption<>(key, Type.BOOLEAN, defaultValue, description, 0, 0, null, 0);
    }

    /**
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return a whole-number option within {@code [min, max]}
     */
    public static HandlerOption<Long> number(String key, long defaultValue, long min, long max, String description) {
        if (min > max) {
            throw new IllegalArgumentException(key + ": min " + min + " > max " + max);
        }
        return new HandlerOption<>(key, Type.NUMBER, defaultValue, description, min, max, null, 0);
    }

    /**
     * @param element what every element must match in full, or {@code null} for anything
     * @return a list option
     */
    public static HandlerOption<List<String>> list(String key, List<String> defaultValue, Pattern element,
            String description) {
        return new HandlerOption<>(key, Type.LIST, List.copyOf(defaultValue), description, 0, 0, element, 0);
    }

    /**
     * @param pattern   what the value must match in full, or {@code null} for anything
     * @param maxLength the longest value allowed, in characters
     * @return a text option
     */
    public static HandlerOption<String> text(String key, String defaultValue, Pattern pattern, int maxLength,
            String description) {
        if (maxLength < 0) {
            throw new IllegalArgumentException(key + ": negative maxLength");
        }
        return new HandlerOption<>(key, Type.TEXT, defaultValue, description, 0, 0, pattern, maxLength);
    }

    /** @return {@code <handler>.<option>} */
    public String key() {
        return key;
    }

    /** @return the handler part of the key */
    public String handler() {
        return key.substring(0, key.indexOf('.'));
    }

    public Type type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    /** @return the default as it would be configured */
    public String defaultText() {
        return defaultText;
    }

    public String description() {
        return description;
    }

    /** @return the smallest value of a {@link Type#NUMBER} option */
    public long min() {
        return min;
    }

    /** @return the largest value of a {@link Type#NUMBER} option */
    public long max() {
        return max;
    }

    /**
     * @return what an element of a {@link Type#LIST} or the value of a {@link Type#TEXT} must match,
     *         or {@code null}
     */
    public Pattern pattern() {
        return pattern;
    }

    /** @return the longest value of a {@link Type#TEXT} option */
    public int maxLength() {
        return maxLength;
    }

    /** @return what a value must be, for people: e.g. {@code a whole number from 0 to 4096} */
    public String accepts() {
        switch (type) {
            case BOOLEAN:
                return "true or false";
            case NUMBER:
                return "a whole number from " + min + " to " + max;
            case LIST:
                return "a comma-separated list" + (pattern == null ? "" : ", each element matching " + pattern.pattern());
            default:
                return "text of at most " + maxLength + " characters"
                        + (pattern == null ? "" : " matching " + pattern.pattern());
        }
    }

    /**
     * @param value a value as configured
     * @return it, typed
     * @throws IllegalArgumentException if it is not a value of this option, saying why
     */
    @SuppressWarnings("unchecked")
    public T parse(String value) {
        String problem = problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(key + ": " + problem);
        }
        switch (type) {
            case BOOLEAN:
                return (T) bool(value);
            case NUMBER:
                return (T) Long.valueOf(value.trim());
            case LIST:
                return (T) List.copyOf(Policy.elements(value));
            default:
                return (T) value;
        }
    }

    /**
     * @param value a value as configured
     * @return why it is not a value of this option, or {@code null} if it is
     */
    public String problem(String value) {
        if (value == null) {
            return "no value";
        }
        switch (type) {
            case BOOLEAN:
                return bool(value) != null ? null
                        : "'" + value + "' is not a boolean (true/false, yes/no, on/off, 1/0)";
            case NUMBER:
                long n;
                try {
                    n = Long.parseLong(value.trim());
                } catch (NumberFormatException e) {
                    return "'" + value + "' is not a whole number";
                }
                return n < min || n > max ? n + " is out of bounds [" + min + ", " + max + "]" : null;
            case LIST:
                if (pattern != null) {
                    for (String e : Policy.elements(value)) {
                        if (!pattern.matcher(e).matches()) {
                            return "element '" + e + "' does not match " + pattern.pattern();
                        }
                    }
                }
                return null;
            default:
                if (value.length() > maxLength) {
                    return "longer than " + maxLength + " characters";
                }
                return pattern == null || pattern.matcher(value).matches() ? null
                        : "'" + value + "' does not match " + pattern.pattern();
        }
    }

    /**
     * @param bound a bound for this option as the operator writes it ({@code bound.<key>})
     * @return why it is not one, or {@code null} if it is: a value of this option, and for a
     *         {@link Type#TEXT} option a comma-separated list of values (see {@link #narrow})
     */
    public String boundProblem(String bound) {
        if (type != Type.TEXT || bound == null) {
            return problem(bound);
        }
        for (String value : Policy.elements(bound)) {
            String problem = problem(value);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** @return {@code value} as it would be configured: {@code parse(format(v))} equals {@code v} */
    public String format(T value) {
        if (value instanceof List<?> list) {
            List<String> elements = new ArrayList<>();
            list.forEach(e -> elements.add(String.valueOf(e)));
            return String.join(",", elements);
        }
        return String.valueOf(value);
    }

    private static Boolean bool(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on": case "1":
                return Boolean.TRUE;
            case "false": case "no": case "off": case "0":
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    /**
     * Holds a container's request to the operator's bound, by this option's type: a boolean may
     * only become {@code false}, a number only smaller, a list or text only keeps the elements the
     * bound lists.
     *
     * @param request what the container asks for
     * @param bound   the most the operator allows, a value of this option (for a text option: a
     *                list of the values allowed)
     * @return the narrowed value, or {@code null} if the request is not a value of this option
     */
    public String narrow(String request, String bound) {
        if (problem(request) != null) {
            return null;
        }
        switch (type) {
            case BOOLEAN:
                return Boolean.toString(bool(request) && Boolean.TRUE.equals(bool(bound)));
            case NUMBER:
                try {
                    return Long.toString(Math.min(Long.parseLong(request.trim()), Long.parseLong(bound.trim())));
                } catch (NumberFormatException e) {
                    return null;
                }
            case LIST:
                List<String> allowed = Policy.elements(bound);
                List<String> kept = new ArrayList<>();
                for (String e : Policy.elements(request)) {
                    if (allowed.contains(e)) {
                        kept.add(e);
                    }
                }
                return String.join(",", kept);
            default:
                return bound.equals(request) || Policy.elements(bound).contains(request) ? request : null;
        }
    }

    @Override
    public String toString() {
        return key + " (" + type.name().toLowerCase(Locale.ROOT) + ", default " + defaultText + ")";
    }
}
