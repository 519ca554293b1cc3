package dev.intercessor.core.internal.oci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class JsonTest {

    // ---- values ----------------------------------------------------------------------------

    @Test
    public void objectsBecomeMapsInMemberOrder() {
        Object v = Json.parse("{\"b\":1,\"a\":\"x\",\"c\":null}");
        assertTrue(v instanceof Map);
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(Arrays.asList("b", "a", "c"), List.copyOf(m.keySet()));
        assertEquals(1L, m.get("b"));
        assertEquals("x", m.get("a"));
        assertTrue(m.containsKey("c"));
        assertNull(m.get("c"));
    }

    @Test
    public void arraysBecomeListsInOrder() {
        Object v = Json.parse("[1,\"two\",true,null,[],{}]");
        assertTrue(v instanceof List);
        assertEquals(Arrays.asList(1L, "two", true, null, Collections.emptyList(), Collections.emptyMap()), v);
    }

    @Test
    public void emptyContainersMayContainWhitespace() {
        assertEquals(Collections.emptyMap(), Json.parse("{ \t\r\n}"));
        assertEquals(Collections.emptyList(), Json.parse("[ \t\r\n]"));
    }

    @Test
    public void nestedStructuresAreBuiltRecursively() {
        Map<?, ?> m = (Map<?, ?>) Json.parse("{\"a\":{\"b\":[1,{\"c\":[2.5]}]}}");
        Map<?, ?> a = (Map<?, ?>) m.get("a");
        List<?> b = (List<?>) a.get("b");
        assertEquals(1L, b.get(0));
        assertEquals(Map.of("c", List.of(2.5)), b.get(1));
    }

    @Test
    public void literalsBecomeBooleansAndNull() {
        assertEquals(Boolean.TRUE, Json.parse("true"));
        assertEquals(Boolean.FALSE, Json.parse("false"));
        assertNull(Json.parse("null"));
    }

    @Test
    public void misspelledLiteralsAreRefused() {
        assertRefused("tru");
        assertRefused("nul");
        assertRefused("True");
        assertRefused("fals");
        assertRefused("truex");
        assertRefused("nullnull");
    }

    @Test
    public void scalarTopLevelValuesAreAllowed() {
        assertEquals("s", Json.parse("\"s\""));
        assertEquals(7L, Json.parse("7"));
    }

    // ---- numbers ---------------------------------------------------------------------------

    @Test
    public void integersAreLongs() {
        assertEquals(Long.valueOf(42), Json.parse("42"));
        assertEquals(Long.valueOf(-7), Json.parse("-7"));
        assertEquals(Long.valueOf(0), Json.parse("0"));
        assertEquals(Long.valueOf(0), Json.parse("-0"));
        assertEquals(Long.MAX_VALUE, Json.parse(Long.toString(Long.MAX_VALUE)));
        assertEquals(Long.MIN_VALUE, Json.parse(Long.toString(Long.MIN_VALUE)));
    }

    @Test
    public void fractionsAndExponentsAreDoubles() {
        assertEquals(Double.valueOf(1.5), Json.parse("1.5"));
        assertEquals(Double.valueOf(-0.25), Json.parse("-0.25"));
        assertEquals(Double.valueOf(1.0), Json.parse("1.0"));
        assertEquals(Double.valueOf(1000.0), Json.parse("1e3"));
        assertEquals(Double.valueOf(1000.0), Json.parse("1E+3"));
        assertEquals(Double.valueOf(0.02), Json.parse("2e-2"));
        assertEquals(Double.valueOf(-1250.0), Json.parse("-1.25E3"));
    }

    @Test
    public void numbersInsideContainersEndAtDelimiters() {
        assertEquals(Arrays.asList(1L, -2L, 3.5), Json.parse("[1,-2,3.5]"));
        assertEquals(Map.of("n", 10L), Json.parse("{\"n\":10}"));
    }

    @Test
    public void malformedNumbersAreRefused() {
        assertRefused("-");
        assertRefused("--1");
        assertRefused("+1");
        assertRefused(".5");
        assertRefused("1e");
        assertRefused("1.2.3");
        assertRefused("1+2");
        assertRefused("1-2");
        assertRefused("0x10");
        assertRefused("NaN");
        assertRefused("Infinity");
        assertRefused("-Infinity");
    }

    @Test
    public void leadingZerosAreRefused() {
        assertRefused("01");
        assertRefused("-007");
        assertRefused("00");
    }

    @Test
    public void decimalPointNeedsDigitsOnBothSides() {
        assertRefused("1.");
        assertRefused("-.5");
        assertRefused("1.e3");
    }

    // ---- strings ---------------------------------------------------------------------------

    @Test
    public void allSimpleEscapesAreDecoded() {
        assertEquals("\" \\ / \b \f \n \r \t",
                Json.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""));
    }

    @Test
    public void unicodeEscapesAreDecodedInEitherCase() {
        assertEquals("A\u00e9\u20ac\u20ac", Json.parse("\"\\u0041\\u00e9\\u20AC\\u20ac\""));
        assertEquals("\u0000", Json.parse("\"\\u0000\""));
    }

    @Test
    public void surrogatePairEscapesMakeOneCodePoint() {
        String s = (String) Json.parse("\"\\uD83D\\uDE00\"");
        assertEquals(1, s.codePointCount(0, s.length()));
        assertEquals(0x1F600, s.codePointAt(0));
    }

    @Test
    public void nonAsciiCharactersPassThrough() {
        assertEquals("h\u00e9llo \u4e16\u754c \uD83D\uDE00", Json.parse("\"h\u00e9llo \u4e16\u754c \uD83D\uDE00\""));
    }

    @Test
    public void escapedCharactersMayBeMemberNames() {
        assertEquals(Map.of("a\"b", 1L), Json.parse("{\"a\\\"b\":1}"));
    }

    @Test
    public void unknownEscapesAreRefused() {
        assertRefused("\"\\x41\"");
        assertRefused("\"\\a\"");
        assertRefused("\"\\'\"");
        assertRefused("\"\\U0041\"");
    }

    @Test
    public void shortOrNonHexUnicodeEscapesAreRefused() {
        assertRefused("\"\\u12\"");
        assertRefused("\"\\u004\"");
        assertRefused("\"\\u");
        assertRefused("\"\\u12G4\"");
        assertRefused("\"\\uZZZZ\"");
    }

    @Test
    public void unicodeEscapeIsExactlyFourHexDigits() {
        assertRefused("\"\\u+041\"");
        assertRefused("\"\\u-041\"");
    }

    @Test
    public void rawControlCharactersInStringsAreRefused() {
        assertRefused("\"a\nb\"");
        assertRefused("\"a\tb\"");
        assertRefused("\"a\rb\"");
        assertRefused("\"a\u0000b\"");
        assertRefused("\"a\u001fb\"");
        assertRefused("{\"k\ney\":1}");
    }

    @Test
    public void characterAfterControlRangeIsAllowedRaw() {
        assertEquals(" \u007f", Json.parse("\" \u007f\""));
    }

    @Test
    public void unterminatedStringsAreRefused() {
        assertRefused("\"abc");
        assertRefused("\"abc\\\"");
        assertRefused("\"abc\\");
        assertRefused("\"");
    }

    // ---- structure -------------------------------------------------------------------------

    @Test
    public void jsonWhitespaceIsAllowedBetweenTokens() {
        Object v = Json.parse(" \t\r\n{ \"a\" \n: \t[ 1 ,\r\n 2 ] , \"b\" : true } \n\t ");
        assertEquals(Map.of("a", List.of(1L, 2L), "b", true), v);
    }

    @Test
    public void nonJsonWhitespaceIsRefused() {
        assertRefused("\f{}");
        assertRefused("{}\u000b");
        assertRefused("\u00a0{}");
        assertRefused("{\u2003}");
    }

    @Test
    public void trailingCharactersAreRefused() {
        assertRefused("{} x");
        assertRefused("{}{}");
        assertRefused("[]]");
        assertRefused("{}}");
        assertRefused("1 2");
        assertRefused("\"a\" \"b\"");
        assertRefused("true false");
    }

    @Test
    public void emptyOrBlankTextIsRefused() {
        assertRefused("");
        assertRefused("   \n\t");
    }

    @Test
    public void unterminatedContainersAreRefused() {
        assertRefused("{");
        assertRefused("[");
        assertRefused("{\"a\"");
        assertRefused("{\"a\":");
        assertRefused("{\"a\":1");
        assertRefused("{\"a\":1,");
        assertRefused("[1,2");
        assertRefused("[1,");
    }

    @Test
    public void trailingCommasAreRefused() {
        assertRefused("{\"a\":1,}");
        assertRefused("[1,]");
        assertRefused("[,]");
        assertRefused("{,}");
    }

    @Test
    public void memberNamesMustBeQuotedStrings() {
        assertRefused("{a:1}");
        assertRefused("{'a':1}");
        assertRefused("{1:1}");
        assertRefused("{null:1}");
    }

    @Test
    public void membersNeedColonAndSeparators() {
        assertRefused("{\"a\" 1}");
        assertRefused("{\"a\"=1}");
        assertRefused("{\"a\":1 \"b\":2}");
        assertRefused("[1 2]");
        assertRefused("[1;2]");
        assertRefused("{\"a\":1]");
        assertRefused("[1}");
    }

    @Test
    public void singleQuotedStringsAreRefused() {
        assertRefused("'a'");
    }

    @Test
    public void duplicateMemberNamesKeepTheLastValue() {
        assertEquals(Map.of("a", 2L), Json.parse("{\"a\":1,\"a\":2}"));
    }

    @Test
    public void errorsNameTheOffset() {
        try {
            Json.parse("{\"a\":1 x}");
            fail("accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("bad JSON at offset "));
        }
    }

    // ---- depth -----------------------------------------------------------------------------

    @Test
    public void nestingUpToMaxDepthIsAccepted() {
        assertEquals(1L, innermost(Json.parse(nestedArrays(Json.MAX_DEPTH, "1")), Json.MAX_DEPTH));
        assertTrue(Json.parse(nestedArrays(Json.MAX_DEPTH, "")) instanceof List);
        assertTrue(Json.parse(nestedObjects(Json.MAX_DEPTH, "1")) instanceof Map);
    }

    @Test
    public void valueInsideMoreThanMaxDepthContainersIsRefused() {
        assertRefused(nestedArrays(Json.MAX_DEPTH + 1, "1"));
        assertRefused(nestedObjects(Json.MAX_DEPTH + 1, "1"));
    }

    @Test
    public void moreThanMaxDepthEmptyContainersAreRefused() {
        assertRefused(nestedArrays(Json.MAX_DEPTH + 1, ""));
        assertRefused(nestedObjects(Json.MAX_DEPTH + 1, null));
    }

    @Test
    public void hugeNestingIsRefusedWithoutStackOverflow() {
        assertRefused(nestedArrays(100_000, "1"));
        assertRefused("[".repeat(100_000));
        assertRefused("{\"a\":".repeat(100_000));
    }

    // ---- completeObjectLength --------------------------------------------------------------

    @Test
    public void incompleteObjectHasNoLengthYet() {
        assertEquals(-1, Json.completeObjectLength(""));
        assertEquals(-1, Json.completeObjectLength("  \n"));
        assertEquals(-1, Json.completeObjectLength("{"));
        assertEquals(-1, Json.completeObjectLength("{\"a\":1"));
        assertEquals(-1, Json.completeObjectLength("{\"a\":{\"b\":[1,2]}"));
        assertEquals(-1, Json.completeObjectLength("{\"a\":[{}]"));
    }

    @Test
    public void completeObjectLengthIsUpToItsClosingBrace() {
        assertEquals(2, Json.completeObjectLength("{}"));
        assertEquals(7, Json.completeObjectLength("{\"a\":1}"));
        String nested = "{\"a\":{\"b\":[1,{}]}}";
        assertEquals(nested.length(), Json.completeObjectLength(nested));
    }

    @Test
    public void leadingWhitespaceCountsInTheLength() {
        assertEquals(5, Json.completeObjectLength(" \n\t{}"));
    }

    @Test
    public void bracesInsideStringsAreIgnored() {
        String s = "{\"a\":\"}{][\"}";
        assertEquals(s.length(), Json.completeObjectLength(s));
        assertEquals(-1, Json.completeObjectLength("{\"a\":\"}\""));
        assertEquals(-1, Json.completeObjectLength("{\"}\":1"));
    }

    @Test
    public void escapedQuotesDoNotEndStrings() {
        String s = "{\"a\":\"x\\\"}\"}";
        assertEquals(s.length(), Json.completeObjectLength(s));
        assertEquals(-1, Json.completeObjectLength("{\"a\":\"\\\"}"));
    }

    @Test
    public void escapedBackslashBeforeQuoteEndsTheString() {
        String s = "{\"a\":\"\\\\\"}";
        assertEquals(s.length(), Json.completeObjectLength(s));
    }

    @Test
    public void textAfterTheObjectIsNotLookedAt() {
        assertEquals(7, Json.completeObjectLength("{\"a\":1}garbage"));
        assertEquals(2, Json.completeObjectLength("{}{\"unfinished\":"));
        assertEquals(2, Json.completeObjectLength("{}\"open string"));
        assertEquals(2, Json.completeObjectLength("{}}}}"));
    }

    @Test
    public void completeObjectLengthWorksOnAnyCharSequence() {
        assertEquals(2, Json.completeObjectLength(new StringBuilder("{}   ")));
    }

    @Test
    public void aCompleteObjectParses() {
        String msg = "{\"a\":\"}\",\"b\":[\"\\\"{\"]}trailing";
        int n = Json.completeObjectLength(msg);
        assertEquals(Map.of("a", "}", "b", List.of("\"{")), Json.parse(msg.substring(0, n)));
    }

    @Test
    public void nonObjectTextIsReportedCompleteSoTheParserCanRefuseIt() {
        assertEquals(1, Json.completeObjectLength("x"));
        assertEquals(3, Json.completeObjectLength("  42"));
        assertEquals(1, Json.completeObjectLength("true"));
        assertFalse(Json.completeObjectLength("[1]") < 0);
    }

    @Test
    public void strayTopLevelStringOrClosingBracketIsReportedCompleteSoTheParserCanRefuseIt() {
        assertTrue(Json.completeObjectLength("\"abc\"") > 0);
        assertTrue(Json.completeObjectLength("}") > 0);
        assertTrue(Json.completeObjectLength("]") > 0);
        assertTrue(Json.completeObjectLength("]{}") > 0);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static void assertRefused(String text) {
        try {
            Object v = Json.parse(text);
            fail("accepted " + abbreviate(text) + " as " + abbreviate(String.valueOf(v)));
        } catch (IllegalArgumentException expected) {
            // refused
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static String nestedArrays(int depth, String inner) {
        return "[".repeat(depth) + inner + "]".repeat(depth);
    }

    /** {@code inner == null} makes the innermost object empty. */
    private static String nestedObjects(int depth, String inner) {
        if (inner == null) {
            return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
        }
        return "{\"a\":".repeat(depth) + inner + "}".repeat(depth);
    }

    private static Object innermost(Object v, int depth) {
        for (int i = 0; i < depth; i++) {
            v = ((List<?>) v).get(0);
        }
        return v;
    }
}
