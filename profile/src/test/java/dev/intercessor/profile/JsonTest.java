package dev.intercessor.profile;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class JsonTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = JsonTest.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IOException("test resource " + name + " missing");
            }
            return in.readAllBytes();
        }
    }

    private static String error(String json) {
        return assertThrows(JsonException.class, () -> JsonReader.parse(json)).getMessage();
    }

    @Test
    public void keyOrderAndNumbersStayAsWritten() throws JsonException {
        Object v = JsonReader.parse("{\"z\":18446744073709551615,\"a\":[-0.5e+3,1E2,0,true,false,null],"
                + "\"m\":{},\"e\":[]}");
        assertEquals(List.of("z", "a", "m", "e"), List.copyOf(((Map<?, ?>) v).keySet()));
        assertEquals("{\n"
                + "  \"z\": 18446744073709551615,\n"
                + "  \"a\": [\n"
                + "    -0.5e+3,\n"
                + "    1E2,\n"
                + "    0,\n"
                + "    true,\n"
                + "    false,\n"
                + "    null\n"
                + "  ],\n"
                + "  \"m\": {},\n"
                + "  \"e\": []\n"
                + "}\n", JsonWriter.pretty(v));
        assertEquals("{\"z\": 18446744073709551615, \"a\": [-0.5e+3, 1E2, 0, true, false, null], \"m\": {}, \"e\": []}",
                JsonWriter.compact(v));
    }

    @Test
    public void stringsComeBackTheSame() throws JsonException {
        String json = "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0001 \\u00e9 é 𝄞 \\ud834\\udd1e \\ud800 \u007f\"";
        Object v = JsonReader.parse(json);
        assertEquals("q\" b\\ s/ \b\f\n\r\t \u0001 é é 𝄞 𝄞 \ud800 \u007f", v);
        assertEquals("non-ASCII stays as it is; a lone surrogate has no UTF-8 form and stays an escape",
                "\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0001 é é 𝄞 𝄞 \\ud800 \u007f\"", JsonWriter.compact(v));
        assertEquals(v, JsonReader.parse(JsonWriter.compact(v)));
    }

    @Test
    public void podmansProfileComesBackTheSameAfterAWriteAndARead() throws Exception {
        Object podman = JsonReader.parse(resource("podman-seccomp.json"));
        String written = JsonWriter.pretty(podman);
        Object again = JsonReader.parse(written.getBytes(StandardCharsets.UTF_8));
        assertEquals(podman, again);
        assertEquals(written, JsonWriter.pretty(again));
        assertTrue(written, written.startsWith("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": 38,\n"));
    }

    @Test
    public void malformedInputIsRefusedWithItsPlace() {
        assertEquals("line 1, column 1: empty input", error(""));
        assertEquals("line 2, column 7: expected a string key, found '}'", error("{\"a\": 1,\n      }"));
        assertEquals("line 1, column 8: unexpected ']'", error("[1, 2, ]"));
        assertEquals("line 1, column 12: unterminated string", error("{\"a\": \"open"));
        assertEquals("line 1, column 10: duplicate key \"a\"", error("{\"a\": 1, \"a\": 2}"));
        assertEquals("line 1, column 4: unexpected '{' after the end of the document", error("{} {}"));
        assertEquals("line 1, column 3: control character U+000A in a string (must be escaped)", error("\"a\nb\""));
        assertEquals("line 1, column 2: unexpected end of input", error("["));
        assertEquals("line 1, column 2: expected a string key, found end of input", error("{"));
        assertEquals("line 1, column 2: unexpected 'x'", error("[x]"));
        assertEquals("line 1, column 3: expected ',' or ']', found '1'", error("[01]"));
        assertEquals("line 1, column 4: invalid number: a digit must follow '.'", error("[1.]"));
        assertEquals("line 1, column 2: invalid escape '\\'", error("\"\\x\""));
        assertEquals("line 1, column 1: unexpected 't'", error("tru"));
        assertEquals("line 1, column 2: unexpected '/'", error("[//]"));
        assertEquals("line 1, column 257: nested deeper than 256 levels", error("[".repeat(300)));
    }

    @Test
    public void bytesThatAreNotUtf8AreRefusedAndAByteOrderMarkIsSkipped() throws JsonException {
        byte[] latin1 = "\"caf\u00e9\"".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("not UTF-8 text", assertThrows(JsonException.class, () -> JsonReader.parse(latin1)).getMessage());
        assertEquals(Map.of(), JsonReader.parse("\uFEFF{}".getBytes(StandardCharsets.UTF_8)));
    }
}
