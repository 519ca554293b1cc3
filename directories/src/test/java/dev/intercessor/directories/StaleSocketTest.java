package dev.intercessor.directories;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class StaleSocketTest {

    @Rule
    public TemporaryFolder temp = new TemporaryFolder();

    @Test
    public void nothingThereIsNothingToDo() throws IOException {
        StaleSocket.remove(temp.getRoot().toPath().resolve("none.sock"), StaleSocket::streamListens, "in use");
    }

    @Test
    public void aSocketNoOneListensOnIsDeleted() throws IOException {
        Path path = temp.getRoot().toPath().resolve("stale.sock");
        bind(path).close(); // closing leaves the file, as a killed process does
        assertTrue(StaleSocket.isSocket(path));
        assertFalse(StaleSocket.streamListens(path));
        StaleSocket.remove(path, StaleSocket::streamListens, "in use");
        assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    public void aSocketSomeoneListensOnIsKept() throws IOException {
        Path path = temp.getRoot().toPath().resolve("live.sock");
        try (ServerSocketChannel live = bind(path)) {
            assertTrue(StaleSocket.streamListens(path));
            try {
                StaleSocket.remove(path, StaleSocket::streamListens, "another supervisor listens");
                fail("removed a live socket");
            } catch (IOException e) {
                assertEquals("another supervisor listens", e.getMessage());
            }
            assertTrue(StaleSocket.isSocket(path));
        }
    }

    @Test
    public void whatIsNotASocketIsNeverReplaced() throws IOException {
        Path top = temp.getRoot().toPath();
        Path file = Files.writeString(top.resolve("file"), "x");
        Path dir = Files.createDirectory(top.resolve("dir"));
        Path stale = top.resolve("stale.sock");
        bind(stale).close();
        Path link = Files.createSymbolicLink(top.resolve("link.sock"), stale);
        for (Path path : new Path[] {file, dir, link}) {
            try {
                StaleSocket.remove(path, p -> false, "in use");
                fail("replaced " + path);
            } catch (IOException e) {
                assertEquals(path + " exists and is not a socket: not replacing it", e.getMessage());
            }
            assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
        }
        assertTrue(StaleSocket.isSocket(stale));
    }

    private static ServerSocketChannel bind(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        return server;
    }
}
