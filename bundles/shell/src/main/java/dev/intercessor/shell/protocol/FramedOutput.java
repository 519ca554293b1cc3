package dev.intercessor.shell.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * What a command writes to one of its streams, as {@code o}/{@code O} (or {@code e}/{@code E})
 * frames: each complete line goes out at once, so output that trickles in (such as
 * {@code trace -f}) reaches the client as it comes; a line longer than
 * {@link Protocol#MAX_TEXT_BYTES} goes out in pieces. Bytes pass through unchanged.
 */
public final class FramedOutput extends OutputStream {

    /** Where frames go, one or more at a time; it fails once the client has gone. */
    @FunctionalInterface
    public interface Sink {
        void send(byte[] frames) throws IOException;
    }

    private final byte lineTag;
    private final byte partTag;
    private final Sink sink;
    private final byte[] pending = new byte[Protocol.MAX_TEXT_BYTES];
    private final ByteArrayOutputStream frames = new ByteArrayOutputStream();
    private int length;
    private boolean open;

    /** @param error frames for the error output ({@code e}/{@code E}) instead of the output */
    public FramedOutput(boolean error, Sink sink) {
        this.lineTag = error ? Protocol.ERR : Protocol.OUT;
        this.partTag = error ? Protocol.ERR_PART : Protocol.OUT_PART;
        this.sink = sink;
    }

    /**
     * Starts passing output on. Between commands, output is dropped: what a command that did not
     * stop when interrupted still writes must not land in the next command's response.
     */
    public synchronized void open() {
        length = 0;
        open = true;
    }

    /** Sends what is left of an unterminated line (as a part frame) and drops output from now on. */
    public synchronized void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        if (length > 0) {
            int n = length;
            length = 0;
            sink.send(Protocol.frame(partTag, pending, 0, n));
        }
    }

    @Override
    public synchronized void write(int b) throws IOException {
        append(b);
        sendFrames();
    }

    /** Sends the lines completed by these bytes together: one write for a burst of lines. */
    @Override
    public synchronized void write(byte[] b, int offset, int count) throws IOException {
        for (int i = offset; i < offset + count; i++) {
            append(b[i]);
            if (frames.size() >= 65536) {
                sendFrames();
            }
        }
        sendFrames();
    }

    private void append(int b) {
        if (!open) {
            return;
        }
        if (b == '\n') {
            frames.writeBytes(Protocol.frame(lineTag, pending, 0, length));
            length = 0;
            return;
        }
        if (length == pending.length) {
            frames.writeBytes(Protocol.frame(partTag, pending, 0, length));
            length = 0;
        }
        pending[length++] = (byte) b;
    }

    private void sendFrames() throws IOException {
        if (frames.size() > 0) {
            byte[] bytes = frames.toByteArray();
            frames.reset();
            sink.send(bytes);
        }
    }
}
