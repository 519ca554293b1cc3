package dev.intercessor.shell.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import dev.intercessor.shell.protocol.LineReader;
import dev.intercessor.shell.protocol.Protocol;

/** The client against a scripted server on a real unix socket. */
public class ShellClientTest {

    private Path dir;
    private Path socket;
    private ServerSocketChannel server;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Before
    public void listen() throws IOException {
        dir = Files.createTempDirectory("shell-client-test");
        socket = dir.resolve("shell.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }

    @After
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    /** Accepts one client, checks its request, sends {@code reply}, and returns the request. */
    private CompletableFuture<String> serve(String greeting, String reply) {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel c = server.accept()) {
                c.write(ByteBuffer.wrap(greeting.getBytes(StandardCharsets.UTF_8)));
                byte[] request = new LineReader(c, Protocol.MAX_REQUEST_BYTES).readLine();
                c.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                return request == null ? null : new String(request, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    private String run(String commandLine) throws Exception {
        try (SocketChannel c = ShellClient.connect(socket)) {
            ShellClient client = new ShellClient(c, out, err);
            client.greeting(socket.toString());
            return client.execute(commandLine);
        }
    }

    @Test
    public void outputAndErrorsArePassedOnAndOkMeansSuccess() throws Exception {
        CompletableFuture<String> request = serve(Protocol.HELLO + "\n",
                "o ID  RUNTIME\ne careful\no abc 1.0.2 µs\nO no end\nok\n");
        assertNull(run("containers"));
        assertEquals("containers", request.get(5, TimeUnit.SECONDS));
        assertEquals("ID  RUNTIME\nabc 1.0.2 µs\nno end", out.toString(StandardCharsets.UTF_8));
        assertEquals("careful\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    public void failCarriesTheError() throws Exception {
        serve(Protocol.HELLO + "\n", "fail no attached container abc\n");
        assertEquals("no attached container abc", run("container abc"));
    }

    @Test
    public void aConnectionLostMidwayIsAnError() throws Exception {
        serve(Protocol.HELLO + "\n", "o partial\n");
        try {
            run("trace -f");
            fail("no error when the connection closed before the end of the response");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("before the command finished"));
        }
    }

    @Test
    public void aRefusalMakesTheShellUnreachable() throws Exception {
        serve("refused only root may use the intercessor shell (you are nobody)\n", "");
        try {
            run("containers");
            fail("a refusal was not reported");
        } catch (ShellClient.Unreachable e) {
            assertEquals("refused: only root may use the intercessor shell (you are nobody)", e.getMessage());
        }
    }

    @Test
    public void noSocketMeansTheSupervisorIsNotRunning() throws Exception {
        try {
            ShellClient.connect(dir.resolve("none.sock"));
            fail("connected to nothing");
        } catch (ShellClient.Unreachable e) {
            assertTrue(e.getMessage(), e.getMessage().contains("intercessor is not running"));
        }
    }

    @Test
    public void aSocketNoOneListensOnMeansTheSameWithItsReason() throws Exception {
        server.close(); // the socket file stays: what a supervisor killed with SIGKILL leaves
        try {
            ShellClient.connect(socket);
            fail("connected to a stale socket");
        } catch (ShellClient.Unreachable e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("nothing listens on"));
        }
    }
}
