package dev.intercessor.profile;

import java.util.List;
import java.util.Map;

/**
 * Writes what {@link JsonReader} reads. {@link #pretty} indents by two spaces, one member or element
 * per line, empty objects and arrays as {@code {}} and {@code []} (the layout of jq and Go's
 * MarshalIndent, so a diff against the engine's own profile stays readable); {@link #compact} puts
 * a value on one line for messages.
 */
final class JsonWriter {

    private final StringBuilder out = new StringBuilder();
    private final boolean pretty;

    private JsonWriter(boolean pretty) {
        this.pretty = pretty;
    }

    /** The document, ending with a newline. */
    static String pretty(Object value) {
        JsonWriter w = new JsonWriter(true);
        w.value(value, 0);
        return w.out.append('\n').toString();
    }

    static String compact(Object value) {
        JsonWriter w = new JsonWriter(false);
        w.value(value, 0);
        return w.out.toString();
    }

    private void value(Object value, int level) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            string(s);
        } else if (value instanceof Boolean || value instanceof JsonNumber) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            object(map, level);
        } else if (value instanceof List<?> list) {
            array(list, level);
        } else {
            throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    private void object(Map<?, ?> map, int level) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        String sep = "";
        for (Map.Entry<?, ?> e : map.entrySet()) {
            out.append(sep);
            newline(level + 1);
            string((String) e.getKey());
            out.append(": ");
            value(e.getValue(), level + 1);
            sep = pretty ? "," : ", ";
        }
        newline(level);
        out.append('}');
    }

    private void array(List<?> list, int level) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        String sep = "";
        for (Object item : list) {
            out.append(sep);
            newline(level + 1);
            value(item, level + 1);
            sep = pretty ? "," : ", ";
        }
        newline(level);
        out.append(']');
    }

    private void newline(int level) {
        if (pretty) {
            out.append('\n');
            out.append("  ".repeat(level));
        }
    }

    /**
     * Quotes and backslashes escaped, control characters as their short escape or \\u00XX; other
     * text as it is (the output is UTF-8). A lone surrogate (only a \\u escape makes one) stays an
     * escape: it has no UTF-8 form.
     */
    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\b':
                out.append("\\b");
                break;
            case '\f':
                out.append("\\f");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            case '\t':
                out.append("\\t");
                break;
            default:
                if (c < 0x20 || isLoneSurrogate(s, i)) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        out.append('"');
    }

    private static boolean isLoneSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }
}
