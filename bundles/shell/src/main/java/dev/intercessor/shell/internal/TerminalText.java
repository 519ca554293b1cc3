package dev.intercessor.shell.internal;

/**
 * Text a container or its runtime chose (ids, annotation and policy values, paths in a trace) as
 * the shell prints it: never a line break that forges a table row, never a terminal control. Line
 * breaks, tabs, other C0 controls, DEL and C1 controls, the Unicode line separators and the
 * bidirectional overrides show as escapes ({@code \n}, {@code \x1b}, {@code \u202e}), as in the
 * daemon's log (dev.intercessor.logging.LogText, on the launcher's class path, which a bundle
 * does not see).
 */
final class TerminalText {

    private TerminalText() {
    }

    static String escape(String s) {
        if (s == null) {
            return null;
        }
        int i = 0;
        while (i < s.length() && !isControl(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
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
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029' || c == '\u061c'
                || c == '\u200e' || c == '\u200f' || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
    }
}
