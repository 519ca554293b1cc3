package dev.intercessor.shell.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The remote shell's line protocol, version {@value #VERSION}: UTF-8 lines ending in {@code \n}
 * over a unix stream socket.
 *
 * <pre>
 * server, on connect   hello intercessor-shell 1      (or: refused REASON, then it closes)
 * client               COMMAND LINE                   a Gogo command line, at most 8192 bytes
 * server               o TEXT                         a line of the command's output
 *                      e TEXT                         a line of its error output
 *                      O TEXT / E TEXT                the same without a line end: a piece of a
 *                                                     line longer than 8192 bytes, or output left
 *                                                     unterminated when the command ended
 *                      ok | fail MESSAGE              the end of the response (the command's
 *                                                     result is formatted into "o" lines first)
 *                      keepalive                      nothing (clients ignore it): once the client
 *                                                     has finished sending, sent once a second
 *                                                     while a command runs, to learn whether the
 *                                                     client is still there
 * client               ETX                            a line holding only \u0003: stops the
 *                                                     command running (ignored if none runs)
 * </pre>
 *
 * A connection is one Gogo session: requests run one after the other, in order, and share its
 * variables. A client may send its next request before the response ends; it is queued. When the
 * client has finished sending (end of its stream), what it queued still runs and the server closes
 * the connection after the last response; when it has gone (a write to it fails), the command
 * running is interrupted and nothing more runs. A request line that is too long gets
 * {@code fail} and the connection is closed. Lines of other types are to be ignored by clients.
 */
public final class Protocol {

    public static final String VERSION = "1";
    public static final String HELLO = "hello intercessor-shell " + VERSION;
    public static final String REFUSED = "refused";
    public static final String OK = "ok";
    public static final String FAIL = "fail";
    public static final String INTERRUPT = "\u0003";
    public static final String KEEPALIVE = "keepalive";

    /** Output line, output without a line end, error line, error without a line end. */
    public static final byte OUT = 'o';
    public static final byte OUT_PART = 'O';
    public static final byte ERR = 'e';
    public static final byte ERR_PART = 'E';

    /** Longest request line, without its line end. */
    public static final int MAX_REQUEST_BYTES = 8192;
    /** Most text in one frame; a longer line comes in pieces. */
    public static final int MAX_TEXT_BYTES = 8192;
    /** Longest line a server sends, without its line end: a tag, a space and the text. */
    public static final int MAX_FRAME_BYTES = MAX_TEXT_BYTES + 2;

    private Protocol() {
    }

    /** @return {@code tag}, a space, {@code length} bytes of {@code text} and a line end */
    public static byte[] frame(byte tag, byte[] text, int offset, int length) {
        byte[] frame = new byte[length + 3];
        frame[0] = tag;
        frame[1] = ' ';
        System.arraycopy(text, offset, frame, 2, length);
        frame[length + 2] = '\n';
        return frame;
    }

    /** @return {@code word} (and a space and {@code message}, made one line) and a line end */
    public static byte[] line(String word, String message) {
        String line = message == null ? word : word + " " + oneLine(message);
        return (line + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** @return {@code message} with line ends as spaces, at most {@link #MAX_TEXT_BYTES} bytes */
    static String oneLine(String message) {
        String line = message.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_TEXT_BYTES) {
            return line;
        }
        // Cut at a character boundary: drop continuation bytes (10xxxxxx) at the cut.
        int end = MAX_TEXT_BYTES;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** A line the server sent: its first word and the bytes after the space that follows it. */
    public record Frame(String type, byte[] text) {

        /** @return the text as a string */
        public String message() {
            return new String(text, StandardCharsets.UTF_8);
        }

        public static Frame parse(byte[] line) {
            int space = 0;
            while (space < line.length && line[space] != ' ') {
                space++;
            }
            String type = new String(line, 0, space, StandardCharsets.UTF_8);
            byte[] text = space < line.length ? Arrays.copyOfRange(line, space + 1, line.length) : new byte[0];
            return new Frame(type, text);
        }
    }
}
