package dev.intercessor.shell.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.intercessor.directories.PrivateDirectories;
import dev.intercessor.directories.StaleSocket;
import dev.intercessor.shell.protocol.Protocol;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The Gogo shell on a unix socket, for {@code bin/intercessor shell}: no TCP port. Only root may
 * use it: the socket's directory is made 0700 and the socket 0600, both root's, and the kernel's
 * word on who connected ({@code SO_PEERCRED}) must name the socket's owner. The line protocol is
 * {@link Protocol}'s.
 */
@Component(immediate = true, configurationPid = ShellServer.PID)
@Designate(ocd = ShellServer.Config.class)
public class ShellServer {

    public static final String PID = "dev.intercessor.shell";

    @ObjectClassDefinition(name = "Intercessor remote shell",
            description = "The Gogo shell on a unix socket that only root may use (bin/intercessor shell).")
    public @interface Config {
        @AttributeDefinition(description = "Path of the unix socket (its directory is made 0700, the socket "
                + "0600, both root's). bin/intercessor shell reads it from etc/dev.intercessor.shell.cfg.")
        String socketPath() default "/run/intercessor/shell.sock";

        @AttributeDefinition(description = "Connections served at once; more are refused.", min = "1")
        int maxConnections() default 4;
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.shell");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    @Reference
    private CommandProcessor processor;

    private Path socketPath;
    private int maxConnections;
    private ServerSocketChannel server;
    private UserPrincipal owner;
    private Thread acceptor;
    private volatile boolean running;
    private List<Path> madeDirectories = List.of();
    private final Set<ShellConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionNumber = new AtomicInteger();

    @Activate
    void activate(Config config) throws IOException {
        socketPath = Path.of(config.socketPath()).toAbsolutePath();
        maxConnections = Math.max(1, config.maxConnections());
        try {
            listen();
        } catch (IOException | RuntimeException e) {
            // SCR reports it too, but not in our log.
            LOG.log(Level.ERROR, "remote shell not started on " + socketPath + ": " + e.getMessage());
            throw e;
        }
        if (!Integer.valueOf(0).equals(Files.getAttribute(socketPath, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
            LOG.log(Level.WARNING, "the supervisor does not run as root: only " + owner.getName()
                    + " may use the shell on " + socketPath);
        }
        running = true;
        acceptor = new Thread(this::acceptLoop, "intercessor-shell-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.log(Level.INFO, "remote shell listening on " + socketPath);
    }

    private void listen() throws IOException {
        // the directory is shared with the core's agent socket (/run/intercessor), made alike
        madeDirectories = PrivateDirectories.create(socketPath.getParent());
        try {
            String exposure = PrivateDirectories.exposure(socketPath.getParent(), "the shell socket");
            if (exposure != null) {
                LOG.log(Level.WARNING, exposure);
            }
            StaleSocket.remove(socketPath, StaleSocket::streamListens, "another process already listens on "
                    + socketPath + ": configure another socketPath (" + PID + ")");
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException | RuntimeException e) {
            PrivateDirectories.removeIfEmpty(madeDirectories);
            throw e;
        }
        try {
            server.bind(UnixDomainSocketAddress.of(socketPath), 16);
            Files.setPosixFilePermissions(socketPath, OWNER_ONLY);
            owner = Files.getOwner(socketPath, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(socketPath);
            PrivateDirectories.removeIfEmpty(madeDirectories);
            throw e;
        }
    }

    @Deactivate
    void deactivate() throws IOException {
        running = false;
        server.close(); // the acceptor's accept fails
        List<ShellConnection> open = new ArrayList<>(connections);
        open.forEach(ShellConnection::close);
        long deadline = System.nanoTime() + 2_000_000_000L;
        try {
            acceptor.join(2000);
            for (ShellConnection c : open) {
                c.join(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socketPath);
        PrivateDirectories.removeIfEmpty(madeDirectories);
    }

    private void acceptLoop() {
        while (running) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return; // deactivated
            } catch (IOException e) {
                LOG.log(Level.ERROR, "accept on " + socketPath + " failed: " + e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            try {
                admit(channel);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "shell connection dropped: " + e);
                close(channel);
            }
        }
    }

    private void admit(SocketChannel channel) throws IOException {
        // SO_PEERCRED: the credentials of the process that connected, from the kernel.
        UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        String who = peer.user().getName();
        if (!peer.user().equals(owner)) {
            refuse(channel, who, "only " + owner.getName() + " may use the intercessor shell (you are " + who + ")");
            return;
        }
        if (connections.size() >= maxConnections) {
            refuse(channel, who, "too many shell connections (" + maxConnections + "); try again later");
            return;
        }
        String name = "intercessor-shell-" + connectionNumber.incrementAndGet();
        ShellConnection connection = new ShellConnection(channel, processor, name, who, connections::remove);
        connections.add(connection);
        connection.start();
    }

    private static void refuse(SocketChannel channel, String who, String reason) {
        LOG.log(Level.WARNING, "refused shell connection of " + who + ": " + reason);
        try {
            // A fresh connection's send buffer is empty: this short write does not block.
            channel.write(ByteBuffer.wrap(Protocol.line(Protocol.REFUSED, reason)));
        } catch (IOException e) {
            // it has gone already
        }
        close(channel);
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
