package dev.intercessor.logging;

/**
 * Text that reaches a log line as something to read, never as a line break or a terminal control:
 * a container's path, an annotation value, an exception message. What a log reader or a terminal
 * would act on shows as an escape instead: {@code \n}, {@code \r}, {@code \t}, other C0 controls
 * and DEL as {@code \x1b}, C1 controls, the Unicode line and paragraph separators and the
 * bidirectional overrides (which reorder what a terminal shows) as {@code \u0085}. A backslash
 * stays as it is: the point is that nothing forges a line or moves the cursor, not a reversible
 * encoding.
 */
public final class LogText {

    private LogText() {
    }

    /** @return {@code s} with every control character escaped ({@code null}: "null") */
    public static String escape(CharSequence s) {
        if (s == null) {
            return "null";
        }
        int i = 0;
        while (i < s.length() && !isControl(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s.toString();
        }
        StringBuilder out = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isControl(c)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x80) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) // C0, DEL, C1
                || c == '\u2028' || c == '\u2029' // line and paragraph separator
                || c == '\u061c' || c == '\u200e' || c == '\u200f' // bidi marks
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069'); // bidi embeddings, overrides, isolates
    }
}
