package dev.intercessor.shell.protocol;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.Test;

import dev.intercessor.shell.protocol.Protocol.Frame;

public class ProtocolTest {

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    public void endLinesCarryAOneLineMessage() {
        assertEquals("ok\n", text(Protocol.line(Protocol.OK, null)));
        assertEquals("fail no attached container abc\n",
                text(Protocol.line(Protocol.FAIL, "no attached container abc")));
        assertEquals("fail first second\n", text(Protocol.line(Protocol.FAIL, " first\r\n  second\n")));
    }

    @Test
    public void aLongMessageIsCutAtACharacterBoundary() {
        String message = "é".repeat(Protocol.MAX_TEXT_BYTES); // two bytes each
        String cut = Protocol.oneLine(message);
        assertEquals(Protocol.MAX_TEXT_BYTES / 2, cut.length());
        assertEquals("é".repeat(Protocol.MAX_TEXT_BYTES / 2), cut);
    }

    @Test
    public void framesParseIntoTheirWordAndText() {
        Frame f = Frame.parse("o  two spaces".getBytes(StandardCharsets.UTF_8));
        assertEquals("o", f.type());
        assertEquals(" two spaces", f.message());
        assertEquals("ok", Frame.parse("ok".getBytes(StandardCharsets.UTF_8)).type());
        assertArrayEquals(new byte[0], Frame.parse("ok".getBytes(StandardCharsets.UTF_8)).text());
        assertEquals("", Frame.parse("o ".getBytes(StandardCharsets.UTF_8)).message());
    }
}
