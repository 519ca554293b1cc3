package dev.intercessor.core.internal.oci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Map;

import org.junit.Test;

public class OciStateTest {

    /** What runc sends (specs.ContainerProcessState). */
    private static final String RUNC = "{\"ociVersion\":\"1.0.2-dev\",\"fds\":[\"seccompFd\"],\"pid\":4242,"
            + "\"metadata\":\"mknod.enabled=false\\nx=y\","
            + "\"state\":{\"ociVersion\":\"1.0.2-dev\",\"id\":\"abc\",\"status\":\"creating\",\"pid\":4242,"
            + "\"bundle\":\"/run/b\",\"annotations\":{\"dev.intercessor.mknod.enabled\":\"true\"}}}";

    /** What crun sends: its own version number for the message format. */
    private static final String CRUN = "{\"ociVersion\":\"0.2.0\",\"fds\":[\"seccompFd\"],\"pid\":777,"
            + "\"metadata\":\"\",\"state\":{\"ociVersion\":\"1.0.0\",\"id\":\"ctr-1_x.y+z\","
            + "\"status\":\"creating\",\"pid\":777,\"bundle\":\"/var/lib/containers/b\","
            + "\"annotations\":{\"io.podman.annotations.init\":\"FALSE\"}}}";

    @Test
    public void runcStateIsParsed() {
        OciState s = OciState.parse(RUNC);
        assertEquals("1.0.2-dev", s.ociVersion());
        assertEquals("abc", s.containerId());
        assertEquals(4242, s.pid());
        assertEquals("mknod.enabled=false\nx=y", s.metadata());
        assertEquals(Map.of("dev.intercessor.mknod.enabled", "true"), s.annotations());
        assertEquals("/run/b", s.bundle());
        assertEquals(0, s.seccompFdIndex());
    }

    @Test
    public void crunStateIsParsed() {
        OciState s = OciState.parse(CRUN);
        assertEquals("0.2.0", s.ociVersion());
        assertEquals("ctr-1_x.y+z", s.containerId());
        assertEquals(777, s.pid());
        assertEquals("", s.metadata());
        assertEquals(Map.of("io.podman.annotations.init", "FALSE"), s.annotations());
        assertEquals("/var/lib/containers/b", s.bundle());
        assertEquals(0, s.seccompFdIndex());
    }

    @Test
    public void surroundingWhitespaceIsAccepted() {
        assertEquals("abc", OciState.parse("\n  " + RUNC + " \n").containerId());
    }

    @Test
    public void optionalFieldsDefaultToEmpty() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}");
        assertEquals("", s.ociVersion());
        assertEquals("", s.metadata());
        assertEquals("", s.bundle());
        assertEquals(Map.of(), s.annotations());
    }

    @Test
    public void missingOrOutOfRangePidIsRefused() {
        for (String pid : new String[] {"", "\"pid\":null,", "\"pid\":-5,", "\"pid\":4294967301,"}) {
            try {
                OciState.parse("{" + pid + "\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}");
                org.junit.Assert.fail("accepted " + pid);
            } catch (IllegalArgumentException e) {
                assertEquals("missing or malformed pid", e.getMessage());
            }
        }
    }

    @Test
    public void crunExecSendsPidZero() {
        // crun exec: the process is not named; the state is the container's, with its init
        OciState s = OciState.parse("{\"ociVersion\":\"0.2.0\",\"fds\":[\"seccompFd\"],\"pid\":0,"
                + "\"state\":{\"ociVersion\":\"0.2.0\",\"id\":\"abc\",\"status\":\"running\",\"pid\":4321}}");
        assertEquals(0, s.pid());
        assertEquals(4321, s.initPid());
        OciState none = OciState.parse("{\"fds\":[\"seccompFd\"],\"pid\":0,\"state\":{\"id\":\"abc\",\"pid\":0}}");
        assertEquals(0, none.pid());
        assertEquals(0, none.initPid());
    }

    @Test
    public void pidFallsBackToStatePid() {
        OciState s = OciState.parse("{\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"pid\":99}}");
        assertEquals(99, s.pid());
    }

    @Test
    public void topLevelPidWinsOverStatePid() {
        OciState s = OciState.parse("{\"fds\":[\"seccompFd\"],\"pid\":5,\"state\":{\"id\":\"abc\",\"pid\":99}}");
        assertEquals(5, s.pid());
    }

    @Test
    public void seccompFdIndexIsItsPositionInFds() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"other\",\"seccompFd\"],\"state\":{\"id\":\"abc\"}}");
        assertEquals(1, s.seccompFdIndex());
    }

    @Test
    public void nonStringAnnotationsAreDropped() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"annotations\":"
                + "{\"a\":\"1\",\"b\":2,\"c\":null,\"d\":[\"x\"],\"e\":{}}}}");
        assertEquals(Map.of("a", "1"), s.annotations());
    }

    @Test
    public void annotationsThatAreNotAnObjectAreIgnored() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"annotations\":[\"a\"]}}");
        assertEquals(Map.of(), s.annotations());
    }

    @Test(expected = UnsupportedOperationException.class)
    public void annotationsAreImmutable() {
        OciState.parse(RUNC).annotations().put("x", "y");
    }

    @Test
    public void longestAllowedIdIsAccepted() {
        String id = "a" + "b".repeat(255);
        assertEquals(id, OciState.parse(withId("\"" + id + "\"")).containerId());
    }

    // ---- refusals --------------------------------------------------------------------------

    @Test
    public void notAnObjectIsRefused() {
        assertRefused("[]", "not a JSON object");
        assertRefused("\"state\"", "not a JSON object");
        assertRefused("42", "not a JSON object");
        assertRefused("null", "not a JSON object");
    }

    @Test
    public void invalidJsonIsRefused() {
        assertRefused("{\"fds\":[\"seccompFd\"],", "bad JSON");
        assertRefused(RUNC + "x", "bad JSON");
    }

    @Test
    public void missingStateIsRefused() {
        assertRefused("{\"fds\":[\"seccompFd\"]}", "no \"state\" object");
        assertRefused("{\"fds\":[\"seccompFd\"],\"state\":\"abc\"}", "no \"state\" object");
        assertRefused("{\"fds\":[\"seccompFd\"],\"state\":null}", "no \"state\" object");
        assertRefused("{\"fds\":[\"seccompFd\"],\"state\":[]}", "no \"state\" object");
    }

    @Test
    public void missingIdIsRefused() {
        assertRefused("{\"fds\":[\"seccompFd\"],\"state\":{}}", "missing or malformed state.id");
        assertRefused(withId("null"), "missing or malformed state.id");
        assertRefused(withId("42"), "missing or malformed state.id");
    }

    @Test
    public void malformedIdIsRefused() {
        for (String id : new String[] {"", "../x", "..", ".hidden", "a/b", "/abs", "-x", "_x", "a b",
                "a\\\\b", "a\\nb", "a:b", "\\u00e9t\\u00e9", "a" + "b".repeat(256)}) {
            assertRefused(withId("\"" + id + "\""), "missing or malformed state.id");
        }
    }

    @Test
    public void fdsWithoutSeccompFdIsRefused() {
        assertRefused("{\"fds\":[],\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
        assertRefused("{\"fds\":[\"other\"],\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
        assertRefused("{\"fds\":[\"seccompfd\"],\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
        assertRefused("{\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
    }

    @Test
    public void fdsThatIsNotAnArrayIsRefused() {
        assertRefused("{\"fds\":\"seccompFd\",\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
        assertRefused("{\"fds\":{\"seccompFd\":0},\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
    }

    // ---- JSON: what a state's text may hold -----------------------------------------------

    @Test
    public void allSimpleEscapesAreDecoded() {
        assertEquals("\" \\ / \b \f \n \r \t", annotation("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""));
    }

    @Test
    public void unicodeEscapesAreDecodedInEitherCase() {
        assertEquals("A\u00e9\u20ac\u20ac", annotation("\"\\u0041\\u00e9\\u20AC\\u20ac\""));
        assertEquals("\u0000", annotation("\"\\u0000\""));
    }

    @Test
    public void surrogatePairEscapesMakeOneCodePoint() {
        String s = annotation("\"\\uD83D\\uDE00\"");
        assertEquals(1, s.codePointCount(0, s.length()));
        assertEquals(0x1F600, s.codePointAt(0));
    }

    @Test
    public void nonAsciiCharactersPassThrough() {
        assertEquals("h\u00e9llo \u4e16\u754c \uD83D\uDE00", annotation("\"h\u00e9llo \u4e16\u754c \uD83D\uDE00\""));
        assertEquals(" \u007f", annotation("\" \u007f\""));
    }

    @Test
    public void escapedCharactersMayBeMemberNames() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\","
                + "\"annotations\":{\"a\\\"b\\u00e9\":\"1\"}}}");
        assertEquals(Map.of("a\"b\u00e9", "1"), s.annotations());
    }

    @Test
    public void duplicateMemberNamesKeepTheLastValue() {
        assertEquals("2", annotation("\"1\",\"a\":\"2\""));
        OciState s = OciState.parse("{\"pid\":1,\"pid\":2,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}");
        assertEquals(2, s.pid());
    }

    @Test
    public void membersOfAnyKindMayBeAroundTheOnesRead() {
        OciState s = OciState.parse("{\"x\":[1,\"two\",true,false,null,[],{},-0.5e-3],\"pid\":1,"
                + "\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"y\":{\"z\":[{\"w\":[2.5]}]}}}");
        assertEquals("abc", s.containerId());
    }

    @Test
    public void jsonWhitespaceIsAllowedBetweenTokens() {
        OciState s = OciState.parse(" \t\r\n{ \"pid\" \n: \t1 ,\r\n \"fds\" : [ \"seccompFd\" ] ,"
                + " \"state\" : { \"id\" : \"abc\" , \"annotations\" : { } } } \n\t ");
        assertEquals(1, s.pid());
        assertEquals(Map.of(), s.annotations());
    }

    @Test
    public void integersAreTakenAsWritten() {
        assertEquals(0, OciState.parse(withPid("-0")).pid());
        assertEquals(Integer.MAX_VALUE, OciState.parse(withPid(Integer.toString(Integer.MAX_VALUE))).pid());
    }

    @Test
    public void pidWithAFractionOrExponentIsRefused() {
        // an integer written as a double is not a pid, even when its value is whole
        for (String pid : new String[] {"1.0", "1e3", "1E+3", "2.5", "-1.25E3", "9223372036854775808",
                "-9223372036854775809", "true", "\"42\"", "[42]"}) {
            assertRefused(withPid(pid), "missing or malformed pid");
        }
    }

    @Test
    public void pidBeyondAnIntIsRefused() {
        assertRefused(withPid(Long.toString(Integer.MAX_VALUE + 1L)), "missing or malformed pid");
        assertRefused(withPid(Long.toString(Long.MAX_VALUE)), "missing or malformed pid");
        assertRefused(withPid(Long.toString(Long.MIN_VALUE)), "missing or malformed pid");
    }

    // ---- JSON: what is not JSON is refused ------------------------------------------------

    @Test
    public void malformedNumbersAreRefused() {
        for (String n : new String[] {"-", "--1", "+1", ".5", "1e", "1.2.3", "1+2", "1-2", "0x10", "NaN",
                "Infinity", "-Infinity", "01", "-007", "00", "1.", "-.5", "1.e3"}) {
            assertRefused(withPid(n), "bad JSON");
        }
    }

    @Test
    public void misspelledLiteralsAreRefused() {
        for (String literal : new String[] {"tru", "nul", "True", "fals", "truex", "nullnull"}) {
            assertRefused(withPid(literal), "bad JSON");
        }
    }

    @Test
    public void unknownEscapesAreRefused() {
        for (String s : new String[] {"\"\\x41\"", "\"\\a\"", "\"\\'\"", "\"\\U0041\""}) {
            assertRefused(withAnnotation(s), "bad JSON");
        }
    }

    @Test
    public void shortOrNonHexUnicodeEscapesAreRefused() {
        for (String s : new String[] {"\"\\u12\"", "\"\\u004\"", "\"\\u12G4\"", "\"\\uZZZZ\"",
                "\"\\u+041\"", "\"\\u-041\""}) {
            assertRefused(withAnnotation(s), "bad JSON");
        }
    }

    @Test
    public void rawControlCharactersInStringsAreRefused() {
        for (String s : new String[] {"\"a\nb\"", "\"a\tb\"", "\"a\rb\"", "\"a\u0000b\"", "\"a\u001fb\""}) {
            assertRefused(withAnnotation(s), "bad JSON");
        }
        assertRefused("{\"p\nid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}", "bad JSON");
    }

    @Test
    public void nonJsonWhitespaceIsRefused() {
        assertRefused("\f" + RUNC, "bad JSON");
        assertRefused(RUNC + "\u000b", "bad JSON");
        assertRefused("\u00a0" + RUNC, "bad JSON");
        assertRefused("{\u2003\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}", "bad JSON");
    }

    @Test
    public void trailingCharactersAreRefused() {
        for (String trailing : new String[] {" x", "{}", "}", "]", " 1", " \"b\"", " true", RUNC}) {
            assertRefused(RUNC + trailing, "bad JSON");
        }
    }

    @Test
    public void emptyOrBlankTextIsRefused() {
        assertRefused("", "bad JSON");
        assertRefused("   \n\t", "bad JSON");
    }

    @Test
    public void truncatedStatesAreRefused() {
        for (int end = 1; end < RUNC.length(); end++) {
            assertRefused(RUNC.substring(0, end), "bad JSON");
        }
    }

    @Test
    public void trailingCommasAreRefused() {
        assertRefused("{\"pid\":1,\"fds\":[\"seccompFd\",],\"state\":{\"id\":\"abc\"}}", "bad JSON");
        assertRefused("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",}}", "bad JSON");
        assertRefused("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"},}", "bad JSON");
        assertRefused(withPid("[,]"), "bad JSON");
        assertRefused(withPid("{,}"), "bad JSON");
    }

    @Test
    public void memberNamesMustBeQuotedStrings() {
        for (String member : new String[] {"pid:1", "'pid':1", "1:1", "null:1"}) {
            assertRefused("{" + member + ",\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}", "bad JSON");
        }
    }

    @Test
    public void membersNeedColonsAndSeparators() {
        for (String pid : new String[] {"\"pid\" 1", "\"pid\"=1", "\"pid\":1 \"x\":2", "\"x\":[1 2]",
                "\"x\":[1;2]", "\"x\":{\"a\":1]", "\"x\":[1}"}) {
            assertRefused("{" + pid + ",\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}", "bad JSON");
        }
    }

    @Test
    public void singleQuotedStringsAndCommentsAreRefused() {
        assertRefused(withAnnotation("'a'"), "bad JSON");
        assertRefused("/* c */" + RUNC, "bad JSON");
        assertRefused("# c\n" + RUNC, "bad JSON");
    }

    @Test
    public void aRefusalSaysWhereOnOneLine() {
        try {
            OciState.parse("{\"pid\":1 x}");
            fail("accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("bad JSON: Unterminated object at line 1 column "));
            assertFalse(e.getMessage(), e.getMessage().contains("\n"));
        }
    }

    // ---- JSON: nesting -------------------------------------------------------------------

    @Test
    public void nestingUpToMaxDepthIsAccepted() {
        // the state object is one level, the member's arrays the rest
        assertEquals("abc", OciState.parse(withExtra(nestedArrays(OciState.MAX_DEPTH - 1, "1"))).containerId());
        assertEquals("abc", OciState.parse(withExtra(nestedArrays(OciState.MAX_DEPTH - 1, ""))).containerId());
        assertEquals("abc", OciState.parse(withExtra(nestedObjects(OciState.MAX_DEPTH - 1, "1"))).containerId());
    }

    @Test
    public void moreThanMaxDepthIsRefused() {
        assertRefused(withExtra(nestedArrays(OciState.MAX_DEPTH, "1")), "bad JSON");
        assertRefused(withExtra(nestedArrays(OciState.MAX_DEPTH, "")), "bad JSON");
        assertRefused(withExtra(nestedObjects(OciState.MAX_DEPTH, "1")), "bad JSON");
        assertRefused(withExtra(nestedObjects(OciState.MAX_DEPTH, "{}")), "bad JSON");
    }

    @Test
    public void hugeNestingIsRefusedWithoutStackOverflow() {
        assertRefused(withExtra(nestedArrays(100_000, "1")), "bad JSON");
        assertRefused("[".repeat(100_000), "bad JSON");
        assertRefused("{\"a\":".repeat(100_000), "bad JSON");
    }

    @Test
    public void hugeFlatStateIsRead() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v").append(i).append('"');
        }
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\","
                + "\"annotations\":{" + many + "}}}");
        assertEquals(20_000, s.annotations().size());
        assertEquals("v19999", s.annotations().get("k19999"));
    }

    // ---- isComplete: reading a runtime's message until it is whole -----------------------

    @Test
    public void aMessageIsIncompleteUntilItsLastCharacterArrives() {
        for (int end = 0; end < RUNC.length(); end++) {
            assertFalse(RUNC.substring(0, end), OciState.isComplete(RUNC.substring(0, end)));
        }
        assertTrue(OciState.isComplete(RUNC));
    }

    @Test
    public void blankTextIsIncomplete() {
        assertFalse(OciState.isComplete(""));
        assertFalse(OciState.isComplete("  \n"));
    }

    @Test
    public void bracketsAndEscapesInsideStringsDoNotEndTheMessage() {
        assertTrue(OciState.isComplete("{\"a\":\"}{][\"}"));
        assertFalse(OciState.isComplete("{\"a\":\"}\""));
        assertFalse(OciState.isComplete("{\"}\":1"));
        assertTrue(OciState.isComplete("{\"a\":\"x\\\"}\"}"));
        assertFalse(OciState.isComplete("{\"a\":\"\\\"}"));
        assertTrue(OciState.isComplete("{\"a\":\"\\\\\"}"));
    }

    @Test
    public void surroundingWhitespaceAndTextAfterTheMessageDoNotMatter() {
        assertTrue(OciState.isComplete(" \n\t{}"));
        assertTrue(OciState.isComplete("{\"a\":1}garbage"));
        assertTrue(OciState.isComplete("{}{\"unfinished\":"));
        assertTrue(OciState.isComplete("{}\"open string"));
        assertTrue(OciState.isComplete("{}}}}"));
        assertTrue(OciState.isComplete(new StringBuilder("{}   ")));
    }

    @Test
    public void aCompleteMessageParses() {
        String msg = "{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"annotations\":"
                + "{\"a\":\"}\",\"b\":\"\\\"{\"}}}";
        assertTrue(OciState.isComplete(msg));
        assertEquals(Map.of("a", "}", "b", "\"{"), OciState.parse(msg).annotations());
    }

    @Test
    public void textThatCannotBecomeAStateIsCompleteSoParseCanRefuseIt() {
        // malformed before its end: more text would not mend it, so stop reading and say why
        for (String text : new String[] {"x", "  42 ", "true ", "[1]", "\"abc\"", "}", "]", "]{}",
                "{\"a\" 1", "{\"a\":1 x", "{\"a\":trux", "{'a'", "{\"a\":\"\\x\""}) {
            assertTrue(text, OciState.isComplete(text));
        }
    }

    @Test
    public void textThatMayStillBecomeAStateIsIncomplete() {
        // cut inside a number, a literal or an escape: the rest may be on its way
        for (String text : new String[] {"{\"a\":12", "{\"a\":tru", "{\"a\":\"\\u00", "{\"a\":\"\\", "{\"a\":-",
                "{\"a\":1.", "{\"a\":1e"}) {
            assertFalse(text, OciState.isComplete(text));
        }
    }

    private static String withPid(String pidJson) {
        return "{\"pid\":" + pidJson + ",\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}";
    }

    private static String withAnnotation(String valueJson) {
        return "{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"annotations\":{\"a\":"
                + valueJson + "}}}";
    }

    /** The annotation {@code a} of a state whose annotation's value is written {@code valueJson}. */
    private static String annotation(String valueJson) {
        return OciState.parse(withAnnotation(valueJson)).annotations().get("a");
    }

    /** A state with a member {@code x} the state does not read. */
    private static String withExtra(String valueJson) {
        return "{\"x\":" + valueJson + ",\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}";
    }

    private static String nestedArrays(int depth, String inner) {
        return "[".repeat(depth) + inner + "]".repeat(depth);
    }

    private static String nestedObjects(int depth, String inner) {
        return "{\"a\":".repeat(depth) + inner + "}".repeat(depth);
    }

    private static String withId(String idJson) {
        return "{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":" + idJson + "}}";
    }

    private static void assertRefused(String json, String reason) {
        try {
            OciState s = OciState.parse(json);
            fail("accepted " + json + " as " + s);
        } catch (IllegalArgumentException e) {
            assertTrue("message '" + e.getMessage() + "' should contain '" + reason + "'",
                    e.getMessage().contains(reason));
        }
    }

    /** What the fd keeper holds: the state as a runtime would send it, read back the same. */
    @Test
    public void aStateWrittenOutReadsBackTheSame() {
        OciState state = new OciState("1.0.2", "web-1", 0, 4242, "sysinfo.enabled=true\nmount.allowed=ext4",
                java.util.Map.of("dev.intercessor.mknod.enabled", "false", "quote\"back\\slash", "tab\tnl\n\u0001"),
                "/run/bundle", 0);
        org.junit.Assert.assertEquals(state, OciState.parse(state.toJson()));
    }
}
