package dev.intercessor.shell.protocol;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

public class LineReaderTest {

    private static LineReader reader(String s, int max) {
        return new LineReader(Channels.newChannel(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8))), max);
    }

    private static String line(LineReader r) throws IOException {
        byte[] line = r.readLine();
        return line == null ? null : new String(line, StandardCharsets.UTF_8);
    }

    @Test
    public void linesWithoutTheirEndsThenNull() throws IOException {
        LineReader r = reader("containers\n\ntrace -f\nlast without end", 100);
        assertEquals("containers", line(r));
        assertEquals("", line(r));
        assertEquals("trace -f", line(r));
        assertEquals("last without end", line(r));
        assertNull(line(r));
    }

    @Test
    public void aLineOfExactlyTheLimitIsAccepted() throws IOException {
        String longest = "x".repeat(Protocol.MAX_REQUEST_BYTES);
        assertEquals(longest, line(reader(longest + "\nnext\n", Protocol.MAX_REQUEST_BYTES)));
    }

    @Test
    public void aLongerOneIsRefused() throws IOException {
        LineReader r = reader("x".repeat(Protocol.MAX_REQUEST_BYTES + 1) + "\n", Protocol.MAX_REQUEST_BYTES);
        try {
            r.readLine();
            fail("read a line longer than the limit");
        } catch (LineReader.LineTooLongException e) {
            assertEquals("line longer than 8192 bytes", e.getMessage());
        }
    }
}
