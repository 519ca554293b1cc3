package dev.intercessor.shell.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Reads {@code \n}-terminated lines of bounded length from a channel. Reads the channel itself:
 * the stream adapters of {@link java.nio.channels.Channels} take the channel's blocking lock, so
 * one thread blocked reading would hold up another one writing.
 */
public final class LineReader {

    /** A line longer than the limit: the stream cannot be followed after it. */
    public static final class LineTooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        LineTooLongException(int max) {
            super("line longer than " + max + " bytes");
        }
    }

    /** What {@link #readLine} returns on a non-blocking channel before a whole line has arrived. */
    public static final byte[] NOT_YET = new byte[0];

    private final ReadableByteChannel in;
    private final int max;
    private final ByteBuffer buffer = ByteBuffer.allocate(8192).flip();
    private byte[] line = new byte[256];
    private int length;

    /** @param max the longest line accepted, without its line end */
    public LineReader(ReadableByteChannel in, int max) {
        this.in = in;
        this.max = max;
    }

    /**
     * @return the next line without its line end; a last line without one counts; {@code null} at
     *         the end of the stream; on a non-blocking channel, {@link #NOT_YET} (compare with
     *         {@code ==}) when no whole line can be read now
     * @throws LineTooLongException if the line is longer than allowed
     */
    public byte[] readLine() throws IOException {
        while (true) {
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    byte[] result = Arrays.copyOf(line, length);
                    length = 0;
                    return result;
                }
                if (length == max) {
                    throw new LineTooLongException(max);
                }
                if (length == line.length) {
                    line = Arrays.copyOf(line, Math.min(max, line.length * 2));
                }
                line[length++] = b;
            }
            buffer.clear();
            int n = in.read(buffer);
            buffer.flip();
            if (n == 0) {
                return NOT_YET;
            }
            if (n < 0) {
                if (length == 0) {
                    return null;
                }
                byte[] result = Arrays.copyOf(line, length);
                length = 0;
                return result;
            }
        }
    }
}
