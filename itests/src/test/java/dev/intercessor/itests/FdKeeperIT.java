package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * {@code libexec/intercessor-keeper} on its own (issue 16): who may talk to it and what ends it.
 * A client that is not root is turned away and does not end it; a root client sending what the
 * keeper does not take loses its connection; a keeper holding nothing ends once its supervisor has
 * gone, removing its socket; SIGTERM ends it too, and it removes its socket and its copy.
 */
public class FdKeeperIT {

    private Path dir;
    private Path socket;
    private Process keeper;

    @Before
    public void start() throws Exception {
        dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("intercessor.test.work"))), "keeper");
        socket = dir.resolve("keeper.sock");
        keeper = new ProcessBuilder(System.getProperty("intercessor.home") + "/libexec/intercessor-keeper",
                socket.toString()).redirectErrorStream(true).start();
        TestSetup.waitFor(() -> Files.exists(socket), "the keeper's socket");
    }

    @After
    public void stop() throws Exception {
        keeper.destroyForcibly();
        keeper.waitFor(5, TimeUnit.SECONDS);
        Container.execute(List.of("rm", "-rf", dir.toString()));
    }

    private static String client() {
        return System.getProperty("intercessor.test.programs") + "/lxcclient";
    }

    @Test
    public void aClientThatIsNotRootIsTurnedAwayAndEndsNothing() throws Exception {
        assertEquals("0700: only root reaches it", "700", Container.execute(List.of("stat", "-c", "%a", dir.toString()))
                .out().trim().substring(0, 3));
        // Opened up, as a mistaken operator might: the keeper still asks the kernel who connected.
        Container.execute(List.of("chmod", "0755", dir.toString()));
        Container.execute(List.of("chmod", "0777", socket.toString()));
        Container.Result nobody = Container.execute(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                client(), socket.toString(), "garbage"));
        // Turned away at once: the connection is closed before or after the client's message went
        // (EPIPE, ECONNRESET: the keeper closed it first).
        assertTrue(nobody.toString(), List.of("closed\n", "errno=32\n", "errno=104\n").contains(nobody.out()));
        Thread.sleep(500);
        assertTrue("still running after a refused client", keeper.isAlive());
    }

    @Test
    public void aRootClientSendingWhatItDoesNotTakeIsDisconnectedAndAnEmptyKeeperEnds() throws Exception {
        Container.Result root = Container.execute(List.of(client(), socket.toString(), "garbage"));
        assertEquals(root.toString(), "closed\n", root.out());
        assertTrue("ends once its client has gone, holding nothing", keeper.waitFor(5, TimeUnit.SECONDS));
        assertEquals(0, keeper.exitValue());
        assertFalse("its socket removed", Files.exists(socket));
        String said = new String(keeper.getInputStream().readAllBytes());
        assertTrue(said, said.contains("a message it does not take ('0', 10 bytes, 0 fds)"));
    }

    @Test
    public void sigtermEndsItAndItsSocketGoes() throws Exception {
        Path copy = dir.resolve("intercessor-keeper"); // the supervisor runs it from a copy beside its socket
        Files.copy(Path.of(System.getProperty("intercessor.home") + "/libexec/intercessor-keeper"), copy);
        Path other = dir.resolve("other.sock");
        Process fromCopy = new ProcessBuilder(copy.toString(), other.toString()).redirectErrorStream(true).start();
        try {
            TestSetup.waitFor(() -> Files.exists(other), "the copy's socket");
            assertEquals(0, Container.execute(List.of("kill", "-TERM", Long.toString(fromCopy.pid()))).exit());
            assertTrue("ends on SIGTERM", fromCopy.waitFor(5, TimeUnit.SECONDS));
            assertEquals(0, fromCopy.exitValue());
            assertFalse("its socket removed", Files.exists(other));
            assertFalse("its copy removed", Files.exists(copy));
        } finally {
            fromCopy.destroyForcibly();
        }
    }
}
