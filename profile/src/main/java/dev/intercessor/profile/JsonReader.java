package dev.intercessor.profile;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict JSON (RFC 8259) into plain Java values: objects as {@link LinkedHashMap} (the file's key
 * order), arrays as {@link ArrayList}, strings, {@link JsonNumber} (the number's text), booleans and
 * {@code null}. A duplicate key is an error: a profile that says two things for one key is
 * ambiguous (Go's decoder would silently take the last).
 */
final class JsonReader {

    /** Deeper nesting is refused instead of overflowing the stack; a profile is 4 levels deep. */
    static final int MAX_DEPTH = 256;

    private final String text;
    private int pos;
    private int depth;

    private JsonReader(String text) {
        this.text = text;
    }

    /** Parses UTF-8 bytes (a leading byte order mark is skipped). */
    static Object parse(byte[] utf8) throws JsonException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new JsonException("not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return parse(text);
    }

    static Object parse(String text) throws JsonException {
        JsonReader r = new JsonReader(text);
        r.skipSpace();
        if (r.pos == text.length()) {
            throw r.error("empty input");
        }
        Object value = r.value();
        r.skipSpace();
        if (r.pos != text.length()) {
            throw r.error("unexpected " + r.describeHere() + " after the end of the document");
        }
        return value;
    }

    private Object value() throws JsonException {
        if (pos == text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(pos);
        switch (c) {
        case '{':
            return object();
        case '[':
            return array();
        case '"':
            return string();
        case 't':
            return literal("true", Boolean.TRUE);
        case 'f':
            return literal("false", Boolean.FALSE);
        case 'n':
            return literal("null", null);
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                return number();
            }
            throw error("unexpected " + describeHere());
        }
    }

    private Map<String, Object> object() throws JsonException {
        enter();
        pos++; // {
        Map<String, Object> map = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            depth--;
            return map;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a string key, found " + describeHere());
            }
            int keyAt = pos;
            String key = string();
            if (map.containsKey(key)) {
                pos = keyAt;
                throw error("duplicate key " + JsonWriter.compact(key));
            }
            skipSpace();
            expect(':');
            skipSpace();
            map.put(key, value());
            skipSpace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                depth--;
                return map;
            } else {
                throw error("expected ',' or '}', found " + describeHere());
            }
        }
    }

    private List<Object> array() throws JsonException {
        enter();
        pos++; // [
        List<Object> list = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            depth--;
            return list;
        }
        while (true) {
            skipSpace();
            list.add(value());
            skipSpace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                depth--;
                return list;
            } else {
                throw error("expected ',' or ']', found " + describeHere());
            }
        }
    }

    private String string() throws JsonException {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos == text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("control character U+" + String.format("%04X", (int) c) + " in a string (must be escaped)");
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            pos++;
            if (pos == text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(pos);
            switch (e) {
            case '"':
            case '\\':
            case '/':
                sb.append(e);
                break;
            case 'b':
                sb.append('\b');
                break;
            case 'f':
                sb.append('\f');
                break;
            case 'n':
                sb.append('\n');
                break;
            case 'r':
                sb.append('\r');
                break;
            case 't':
                sb.append('\t');
                break;
            case 'u':
                sb.append(unicodeEscape());
                continue; // unicodeEscape moved past it
            default:
                pos--;
                throw error("invalid escape " + describeHere());
            }
            pos++;
        }
    }

    /** At the 'u' of a \\uXXXX escape; leaves pos after its four hex digits. */
    private char unicodeEscape() throws JsonException {
        if (pos + 5 > text.length()) {
            throw error("incomplete \\u escape");
        }
        int v = 0;
        for (int i = 1; i <= 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) {
                pos--;
                throw error("invalid \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 5;
        return (char) v;
    }

    private JsonNumber number() throws JsonException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("invalid number");
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw error("invalid number: a digit must follow '.'");
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("invalid number: a digit must follow the exponent");
            }
            digits();
        }
        return new JsonNumber(text.substring(start, pos));
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) throws JsonException {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected " + describeHere());
        }
        pos += word.length();
        return value;
    }

    private void enter() throws JsonException {
        if (++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void expect(char c) throws JsonException {
        if (peek() != c) {
            throw error("expected '" + c + "', found " + describeHere());
        }
        pos++;
    }

    /** The character at pos, or U+0000 at the end (never valid where a token is expected). */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describeHere() {
        if (pos >= text.length()) {
            return "end of input";
        }
        int cp = text.codePointAt(pos);
        if (cp < 0x20 || cp == 0x7f) {
            return String.format("character U+%04X", cp);
        }
        return "'" + new String(Character.toChars(cp)) + "'";
    }

    private JsonException error(String what) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(pos, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new JsonException("line " + line + ", column " + column + ": " + what);
    }
}
