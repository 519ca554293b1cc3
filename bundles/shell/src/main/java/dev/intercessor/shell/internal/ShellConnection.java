package dev.intercessor.shell.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Job;

import dev.intercessor.shell.protocol.FramedOutput;
import dev.intercessor.shell.protocol.LineReader;
import dev.intercessor.shell.protocol.Protocol;

/**
 * One client of the remote shell: one Gogo session and two threads, which end with the
 * connection. The session thread runs the requests one after the other. The I/O thread alone
 * touches the socket (non-blocking): it reads the requests, writes what the commands wrote, and
 * stops the command running when the client asks (a line holding ETX) or has gone. Commands only
 * queue their output: Gogo stops a command by interrupting its threads, and a thread interrupted
 * in the middle of a write on a channel closes that channel (the socket would go with it).
 */
final class ShellConnection {

    private static final Logger LOG = System.getLogger("dev.intercessor.shell");

    /** Requests a client may send ahead of the one running. */
    private static final int MAX_QUEUED = 16;
    /** Output queued for a slow client before the command writing it waits. */
    private static final int MAX_PENDING_BYTES = 1 << 20;
    private static final long KEEPALIVE_NANOS = 1_000_000_000L;
    private static final byte[] END = new byte[0];
    private static final byte[] TOO_LONG = new byte[0];
    private static final byte[] TOO_MANY = new byte[0];
    private static final byte[] INTERRUPT = Protocol.INTERRUPT.getBytes(StandardCharsets.US_ASCII);

    private final SocketChannel channel;
    private final CommandProcessor processor;
    private final String name;
    private final String peer;
    private final Consumer<ShellConnection> ended;
    private final LinkedBlockingQueue<byte[]> requests = new LinkedBlockingQueue<>();
    private final Thread sessionThread;
    private final Thread ioThread;
    private final Selector selector;
    private volatile CommandSession session;
    private final StopRequests stopRequests = new StopRequests();
    /** A command was interrupted: its session's output may be closed for good (see StopRequests). */
    private volatile boolean renewSession;

    /** Output not yet written; guarded by itself. */
    private final ArrayDeque<ByteBuffer> output = new ArrayDeque<>();
    private long pendingBytes;
    /** The client has gone, or the shell is stopping: nothing more is run or written. */
    private volatile boolean over;
    /** A command runs. Set before {@link #over} is read, as {@code over} before this is. */
    private volatile boolean running;
    /** The session thread is done: the I/O thread ends once the output is written. */
    private volatile boolean finished;
    private volatile boolean closing;

    /** @param ended called with this connection when it is over */
    ShellConnection(SocketChannel channel, CommandProcessor processor, String name, String peer,
            Consumer<ShellConnection> ended) throws IOException {
        this.channel = channel;
        this.processor = processor;
        this.name = name;
        this.peer = peer;
        this.ended = ended;
        selector = Selector.open();
        try {
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
        sessionThread = new Thread(this::serve, name);
        sessionThread.setDaemon(true);
        ioThread = new Thread(this::io, name + "-io");
        ioThread.setDaemon(true);
    }

    void start() {
        sessionThread.start();
        ioThread.start();
    }

    /** Ends the connection now: the command running is interrupted, both threads end. */
    void close() {
        closing = true;
        over = true;
        selector.wakeup();
        sessionThread.interrupt(); // if it waits for a request, or for room in the output
    }

    /** Waits until both threads have ended, at most until {@code deadline} ({@link System#nanoTime}). */
    void join(long deadline) throws InterruptedException {
        for (Thread t : new Thread[] { sessionThread, ioThread }) {
            long millis = (deadline - System.nanoTime()) / 1_000_000;
            if (millis > 0) {
                t.join(millis);
            }
        }
    }

    // --- session thread -----------------------------------------------------------------------

    private void serve() {
        try {
            send(Protocol.line(Protocol.HELLO, null));
            FramedOutput out = new FramedOutput(false, this::send);
            FramedOutput err = new FramedOutput(true, this::send);
            CommandSession s = newSession(null, out, err);
            while (true) {
                byte[] request = requests.take();
                if (request == END) {
                    return;
                }
                if (request == TOO_LONG || request == TOO_MANY) {
                    send(Protocol.line(Protocol.FAIL, request == TOO_LONG
                            ? "request line longer than " + Protocol.MAX_REQUEST_BYTES + " bytes"
                            : "more than " + MAX_QUEUED + " requests queued"));
                    return;
                }
                execute(s, new String(request, StandardCharsets.UTF_8), out, err);
                if (renewSession) {
                    renewSession = false;
                    s = newSession(s, out, err);
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client has gone, or the shell is stopping: no one left to answer
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, name + " failed", e);
        } finally {
            if (session != null) {
                session.close();
            }
            finished = true;
            selector.wakeup();
        }
    }

    /** @return a new session, with the variables of {@code old} (which is closed) if there is one */
    private CommandSession newSession(CommandSession old, FramedOutput out, FramedOutput err) {
        // No keyboard: a command that reads its input sees its end at once.
        CommandSession s = processor.createSession(InputStream.nullInputStream(), out, err);
        if (old != null) {
            if (old.get(".variables") instanceof Set<?> names) { // Gogo's name for the list of them
                for (Object name : names) {
                    s.put(name.toString(), old.get(name.toString()));
                }
            }
            old.close();
        }
        s.put(Commands.STOP_REQUESTS, stopRequests);
        s.put("SCOPE", "intercessor:gogo:*"); // our commands first, then the console's order
        session = s;
        return s;
    }

    private void execute(CommandSession s, String line, FramedOutput out, FramedOutput err) throws IOException {
        String failure = null;
        out.open();
        err.open();
        running = true;
        try {
            if (!line.isBlank() && !over) {
                LOG.log(Level.INFO, name + " (" + peer + "): " + line);
                Object result = s.execute(line);
                s.put("_", result);
                if (result != null && !Boolean.FALSE.equals(s.get(".Gogo.format"))) {
                    // As the console prints results, with a line end unless the text has one.
                    String text = s.format(result, Converter.INSPECT).toString();
                    byte[] bytes = (text.isEmpty() || text.endsWith("\n") ? text : text + "\n")
                            .getBytes(StandardCharsets.UTF_8);
                    out.write(bytes, 0, bytes.length);
                }
            }
        } catch (Exception e) {
            s.put("exception", e);
            failure = message(e);
            if (!isUsageError(e) && !(e instanceof InterruptedException) && !over) {
                LOG.log(Level.WARNING, name + ": " + line + ": " + e, e);
            }
        } finally {
            running = false;
        }
        out.close();
        err.close();
        send(failure == null ? Protocol.line(Protocol.OK, null) : Protocol.line(Protocol.FAIL, failure));
    }

    /** What the client sees of a failed command: the message alone when it explains itself. */
    static String message(Throwable e) {
        if (e instanceof InterruptedException) {
            return "interrupted";
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return isUsageError(e) ? message : e.getClass().getSimpleName() + ": " + message;
    }

    /** Errors of the operator's making (unknown container or command, bad argument). */
    private static boolean isUsageError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof NoSuchElementException
                || e instanceof IllegalStateException || e instanceof UnsupportedOperationException
                || e.getClass().getSimpleName().equals("SyntaxError");
    }

    /**
     * Queues frames for the I/O thread, from any thread (the session's, a command's). A client that
     * reads slowly makes the writer wait here, not the supervisor's memory grow.
     *
     * @throws IOException once the client has gone
     */
    private void send(byte[] frames) throws IOException {
        synchronized (output) {
            while (pendingBytes > MAX_PENDING_BYTES && !over) {
                try {
                    output.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the client was slow to read");
                }
            }
            if (over) {
                throw new IOException("the shell client has gone");
            }
            output.add(ByteBuffer.wrap(frames));
            pendingBytes += frames.length;
        }
        selector.wakeup();
    }

    // --- I/O thread ---------------------------------------------------------------------------

    private void io() {
        LineReader in = new LineReader(channel, Protocol.MAX_REQUEST_BYTES);
        boolean reading = true;
        long nextKeepalive = 0;
        try {
            while (!closing) {
                boolean pending;
                synchronized (output) {
                    pending = !output.isEmpty();
                }
                if (finished && !pending) {
                    return; // every response is out
                }
                channel.keyFor(selector).interestOps(
                        (reading ? SelectionKey.OP_READ : 0) | (pending ? SelectionKey.OP_WRITE : 0));
                // With no input to wait for, wake up now and then to check on the client.
                selector.select(reading ? 0 : 250);
                selector.selectedKeys().clear();
                if (reading) {
                    reading = readRequests(in);
                    nextKeepalive = System.nanoTime() + KEEPALIVE_NANOS;
                } else if (running && System.nanoTime() - nextKeepalive >= 0) {
                    // The client has finished sending; whether it still reads, only a write tells
                    // (EPIPE once it has closed).
                    nextKeepalive = System.nanoTime() + KEEPALIVE_NANOS;
                    queue(Protocol.line(Protocol.KEEPALIVE, null));
                }
                write();
            }
        } catch (IOException e) {
            // the client has gone (EPIPE, ECONNRESET)
        } finally {
            over = true;
            requests.clear();
            requests.add(END);
            synchronized (output) {
                output.clear();
                pendingBytes = 0;
                output.notifyAll();
            }
            try {
                selector.close();
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
            // What still runs has no one to answer: interrupt it until it ends (again and again:
            // it may not have started its job yet), so that the session can close.
            try {
                while (running) {
                    stopRequests.fire();
                    interruptCommand();
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                // the framework is going down
            }
            ended.accept(this);
        }
    }

    /** @return false once the client has sent everything it will */
    private boolean readRequests(LineReader in) throws IOException {
        while (true) {
            byte[] line;
            try {
                line = in.readLine();
            } catch (LineReader.LineTooLongException e) {
                abandon(TOO_LONG);
                return false;
            }
            if (line == LineReader.NOT_YET) {
                return true;
            }
            if (line == null) {
                requests.add(END); // after what is queued: that still runs
                return false;
            }
            if (Arrays.equals(line, INTERRUPT)) {
                // Our own commands stop when asked; others only when their thread is interrupted.
                if (running && !stopRequests.fire()) {
                    renewSession = true;
                    interruptCommand();
                }
            } else if (requests.size() >= MAX_QUEUED) {
                abandon(TOO_MANY);
                return false;
            } else {
                requests.add(line);
            }
        }
    }

    /** Writes what it can of the output without blocking. */
    private void write() throws IOException {
        while (true) {
            ByteBuffer next;
            synchronized (output) {
                next = output.peek();
            }
            if (next == null) {
                return;
            }
            int n = channel.write(next);
            synchronized (output) {
                pendingBytes -= n;
                if (!next.hasRemaining()) {
                    output.poll();
                }
                output.notifyAll();
            }
            if (next.hasRemaining()) {
                return; // the socket is full: OP_WRITE says when it has room again
            }
        }
    }

    /** Queues a frame from the I/O thread itself, which must never wait for room. */
    private void queue(byte[] frame) {
        synchronized (output) {
            output.add(ByteBuffer.wrap(frame));
            pendingBytes += frame.length;
        }
    }

    /**
     * The client broke the protocol: nothing more is read or run, the command running is
     * interrupted, and the session's next request is {@code last}, a refusal to send.
     */
    private void abandon(byte[] last) {
        requests.clear();
        requests.add(last);
        if (running && !stopRequests.fire()) {
            renewSession = true;
            interruptCommand();
        }
    }

    private void interruptCommand() {
        CommandSession s = session;
        Job job = s == null ? null : s.foregroundJob();
        if (job != null) {
            job.interrupt();
        }
    }
}
