package dev.intercessor.shell.protocol;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

public class FramedOutputTest {

    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private String sent() {
        return sent.toString(StandardCharsets.UTF_8);
    }

    private static void write(FramedOutput out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
    }

    @Test
    public void eachLineGoesOutAsSoonAsItIsComplete() throws IOException {
        FramedOutput out = new FramedOutput(false, sent::writeBytes);
        out.open();
        write(out, "one\ntw");
        assertEquals("o one\n", sent());
        write(out, "o\n\n");
        assertEquals("o one\no two\no \n", sent());
    }

    @Test
    public void anUnterminatedLineGoesOutAsAPartWhenTheCommandEnds() throws IOException {
        FramedOutput err = new FramedOutput(true, sent::writeBytes);
        err.open();
        write(err, "warning\nno end µ");
        err.close();
        assertEquals("e warning\nE no end µ\n", sent());
    }

    @Test
    public void aLongLineComesInPieces() throws IOException {
        FramedOutput out = new FramedOutput(false, sent::writeBytes);
        out.open();
        write(out, "x".repeat(Protocol.MAX_TEXT_BYTES + 5) + "\n");
        assertEquals("O " + "x".repeat(Protocol.MAX_TEXT_BYTES) + "\no xxxxx\n", sent());
    }

    @Test
    public void outputBetweenCommandsIsDropped() throws IOException {
        FramedOutput out = new FramedOutput(false, sent::writeBytes);
        write(out, "before\n");
        out.open();
        write(out, "during\nhalf");
        out.close();
        write(out, "after\n");
        out.close();
        assertEquals("o during\nO half\n", sent());
    }
}
