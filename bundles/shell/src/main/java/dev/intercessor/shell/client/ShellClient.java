package dev.intercessor.shell.client;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.intercessor.shell.protocol.LineReader;
import dev.intercessor.shell.protocol.Protocol;
import dev.intercessor.shell.protocol.Protocol.Frame;

/**
 * {@code bin/intercessor shell}: the client of the remote shell, plain Java (no OSGi), run from
 * the shell bundle's jar.
 *
 * <pre>
 * ShellClient [--socket PATH] [--] [WORD...]
 * </pre>
 *
 * With words, they are joined with spaces into one Gogo command line (as ssh does: quote for Gogo
 * what Gogo must see as one word), which runs; exit status 0 if it succeeded, 1 if it failed (its
 * error on stderr). Without, an interactive session: a prompt, one command per line, until end of
 * input or {@code exit}; Ctrl-C interrupts the command running. Exit status 2 when the shell
 * cannot be reached: the supervisor is not running, or the socket refuses (not root).
 */
public final class ShellClient {

    public static final String DEFAULT_SOCKET = "/run/intercessor/shell.sock";
    static final int OK = 0;
    static final int FAILED = 1;
    static final int UNREACHABLE = 2;
    private static final String PROMPT = "intercessor> ";

    /** Why the shell cannot be reached (exit status 2). */
    static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    private final SocketChannel channel;
    private final LineReader in;
    private final OutputStream out;
    private final OutputStream err;

    ShellClient(SocketChannel channel, OutputStream out, OutputStream err) {
        this.channel = channel;
        this.in = new LineReader(channel, Protocol.MAX_FRAME_BYTES);
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, charset());
        String socket = DEFAULT_SOCKET;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--socket") && i + 1 < args.length) {
                socket = args[++i];
            } else if (a.startsWith("--socket=")) {
                socket = a.substring("--socket=".length());
            } else if (a.equals("--") || !a.startsWith("-")) {
                words.addAll(Arrays.asList(args).subList(a.equals("--") ? i + 1 : i, args.length));
                break;
            } else {
                stderr.println("usage: ShellClient [--socket PATH] [--] [COMMAND...]");
                return UNREACHABLE;
            }
        }
        // Raw bytes: the server's output is passed through as the command wrote it (UTF-8).
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        OutputStream errout = new FileOutputStream(FileDescriptor.err);
        try (SocketChannel channel = connect(Path.of(socket))) {
            ShellClient client = new ShellClient(channel, stdout, errout);
            client.greeting(socket);
            if (!words.isEmpty()) {
                String failure = client.execute(String.join(" ", words));
                if (failure != null) {
                    stderr.println(failure);
                    return FAILED;
                }
                return OK;
            }
            return client.interactive(stderr);
        } catch (Unreachable e) {
            stderr.println("intercessor shell: " + e.getMessage());
            return UNREACHABLE;
        } catch (IOException e) {
            stderr.println("intercessor shell: connection to " + socket + " lost: " + e.getMessage());
            return UNREACHABLE;
        }
    }

    /** The terminal's charset for our own messages; the server's bytes pass through as they are. */
    private static Charset charset() {
        String encoding = System.getProperty("stderr.encoding", System.getProperty("sun.stderr.encoding"));
        try {
            return encoding == null ? Charset.defaultCharset() : Charset.forName(encoding);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    static SocketChannel connect(Path socket) throws Unreachable {
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (ConnectException e) {
            throw new Unreachable("nothing listens on " + socket + ": intercessor is not running (intercessor start)");
        } catch (IOException e) {
            // ENOENT or EACCES; the messages are strerror's, so look for ourselves.
            if (!Files.exists(socket) && searchable(socket.toAbsolutePath().getParent())) {
                throw new Unreachable("no shell socket " + socket + ": intercessor is not running (intercessor start)");
            }
            throw new Unreachable("cannot connect to " + socket + ": " + e.getMessage()
                    + " (only root may use the intercessor shell)");
        } catch (RuntimeException e) {
            throw new Unreachable("cannot connect to " + socket + ": " + e.getMessage());
        }
    }

    /** @return whether every directory down to {@code dir} lets us look inside */
    private static boolean searchable(Path dir) {
        for (Path d = dir; d != null; d = d.getParent()) {
            if (!Files.isDirectory(d)) {
                continue; // missing: the supervisor makes it when it starts
            }
            if (!Files.isExecutable(d)) {
                return false;
            }
        }
        return true;
    }

    void greeting(String socket) throws IOException, Unreachable {
        byte[] line = in.readLine();
        if (line == null) {
            throw new Unreachable(socket + " closed the connection at once");
        }
        Frame frame = Frame.parse(line);
        if (frame.type().equals(Protocol.REFUSED)) {
            throw new Unreachable("refused: " + frame.message());
        }
        if (!new String(line, StandardCharsets.UTF_8).equals(Protocol.HELLO)) {
            throw new Unreachable(socket + " is not an intercessor shell of protocol " + Protocol.VERSION + ": "
                    + new String(line, StandardCharsets.UTF_8));
        }
    }

    /**
     * Runs one command line, passing its output on as it comes.
     *
     * @return {@code null} if it succeeded, else its error
     * @throws IOException if the connection is lost before the command finished
     */
    String execute(String commandLine) throws IOException {
        byte[] request = (commandLine.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
        if (request.length - 1 > Protocol.MAX_REQUEST_BYTES) {
            return "command line longer than " + Protocol.MAX_REQUEST_BYTES + " bytes";
        }
        send(request);
        while (true) {
            byte[] line = in.readLine();
            if (line == null) {
                throw new IOException("the supervisor closed the connection before the command finished");
            }
            Frame frame = Frame.parse(line);
            switch (frame.type()) {
                case "o" -> write(out, frame.text(), true);
                case "O" -> write(out, frame.text(), false);
                case "e" -> write(err, frame.text(), true);
                case "E" -> write(err, frame.text(), false);
                case Protocol.OK -> {
                    return null;
                }
                case Protocol.FAIL -> {
                    return frame.message().isEmpty() ? "failed" : frame.message();
                }
                default -> {
                    // a frame of a later protocol version: not ours to show
                }
            }
        }
    }

    private static void write(OutputStream stream, byte[] text, boolean lineEnd) throws IOException {
        stream.write(text);
        if (lineEnd) {
            stream.write('\n');
        }
        stream.flush();
    }

    /** Interrupts the command running (the server ignores it when none runs). */
    void interrupt() throws IOException {
        send((Protocol.INTERRUPT + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private synchronized void send(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private int interactive(PrintStream stderr) throws IOException {
        boolean terminal = System.console() != null;
        PrintStream prompt = new PrintStream(out, true, charset());
        InterruptKey ctrlC = terminal ? InterruptKey.install(this, prompt, PROMPT) : null;
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, charset()));
        while (true) {
            if (terminal) {
                prompt.print(PROMPT);
                prompt.flush();
            }
            String line = input.readLine();
            if (line == null) {
                if (terminal) {
                    prompt.println();
                }
                return OK;
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.equals("exit") || line.equals("quit")) {
                return OK;
            }
            if (ctrlC != null) {
                ctrlC.running(true);
            }
            try {
                String failure = execute(line);
                if (failure != null) {
                    stderr.println(failure);
                }
            } finally {
                if (ctrlC != null) {
                    ctrlC.running(false);
                }
            }
        }
    }
}
