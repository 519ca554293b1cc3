package dev.intercessor.core.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.UnixSocketServer;
import dev.intercessor.core.internal.oci.OciState;

/**
 * The OCI seccomp agent socket ({@code linux.seccomp.listenerPath}): runc, crun, Podman, CRI-O
 * and containerd connect, send the container process state as JSON with the notify fd attached
 * ({@code SCM_RIGHTS}), and runc closes while crun keeps the connection open. Anything else is
 * refused with one log line, its descriptors closed.
 */
@Component(immediate = true, configurationPid = OciListener.PID)
@Designate(ocd = OciListener.Config.class)
public class OciListener {

    public static final String PID = "dev.intercessor.oci";

    @ObjectClassDefinition(name = "Intercessor OCI seccomp agent listener",
            description = "The socket OCI runtimes send seccomp notify fds to.")
    public @interface Config {
        @AttributeDefinition(description = "Path of the unix socket (its directory is made 0700, "
                + "the socket 0600, both root's). Put it in config.json as linux.seccomp.listenerPath.")
        String listenerPath() default "/run/intercessor/oci.sock";

        @AttributeDefinition(min = "1", description = "Largest state message accepted, in bytes.")
        int maxMessageBytes() default 262_144;

        @AttributeDefinition(min = "1", description = "How long a client may take to send its state, in ms.")
        int receiveTimeoutMillis() default 2_000;

        @AttributeDefinition(min = "1", description = "Connections read at once; more wait in a short queue.")
        int connectionThreads() default 4;
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.core.oci");

    @Reference
    private Supervisor supervisor;

    private Config config;
    private ListenerSocket socket;
    private Path socketPath;
    private Thread acceptor;
    private ThreadPoolExecutor readers;
    private volatile boolean running;

    @Activate
    void activate(Config config) throws IOException, LinuxException {
        this.config = config;
        socket = ListenerSocket.open(Path.of(config.listenerPath()), Linux.SOCK_STREAM, "listenerPath (" + PID + ")");
        socketPath = socket.path();
        AtomicInteger n = new AtomicInteger();
        readers = new ThreadPoolExecutor(config.connectionThreads(), config.connectionThreads(),
                30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
                    Thread t = new Thread(r, "intercessor-oci-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        readers.allowCoreThreadTimeOut(true);
        running = true;
        acceptor = socket.acceptInto("intercessor-oci-accept", () -> running, this::accepted);
        LOG.log(Level.INFO, "OCI seccomp agent listening on " + socketPath);
        supervisor.listenerHealth("oci-listener", () -> acceptor.isAlive() ? socket.problem() : "its accepting thread ended");
        // Ready for runtimes: tell a service manager that asked (intercessor daemon under systemd).
        dev.intercessor.core.internal.linux.SdNotify.send("READY=1\nSTATUS=listening on " + socketPath);
    }

    @Deactivate
    void deactivate() throws IOException {
        supervisor.listenerHealth("oci-listener", null);
        dev.intercessor.core.internal.linux.SdNotify.send("STOPPING=1");
        running = false;
        socket.shutdown();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
        readers.shutdownNow();
    }

    private void accepted(int connection) {
        try {
            readers.execute(() -> serve(connection));
        } catch (RejectedExecutionException e) {
            Linux.close(connection);
            refuse("too many connections at once");
        }
    }

    /** Reads one state message and its fd from {@code connection}, then closes it. */
    private void serve(int connection) {
        int[] fds = new int[0];
        boolean handedOver = false;
        try {
            UnixSocketServer.setReceiveTimeout(connection, config.receiveTimeoutMillis());
            int max = config.maxMessageBytes();
            byte[] message = new byte[Math.min(max + 1, 8192)]; // grows for the rare large state
            int length = 0;
            boolean truncated = false;
            boolean complete = false;
            while (!complete) {
                if (length == message.length) {
                    message = Arrays.copyOf(message, Math.min(max + 1, message.length * 2));
                }
                UnixSocketServer.Received r;
                try {
                    r = UnixSocketServer.receive(connection, message, length,
                            Math.min(message.length - length, 65536));
                } catch (LinuxException e) {
                    if (e.errno() == Linux.EAGAIN) {
                        refuse(length == 0 ? "sent nothing within " + config.receiveTimeoutMillis()
                                + " ms" : "incomplete message after " + config.receiveTimeoutMillis() + " ms");
                        return;
                    }
                    throw e;
                }
                if (r.fds.length > 0) {
                    int[] more = Arrays.copyOf(fds, fds.length + r.fds.length);
                    System.arraycopy(r.fds, 0, more, fds.length, r.fds.length);
                    fds = more;
                }
                truncated |= r.truncated;
                if (r.length == 0) {
                    break; // runc closes after sending
                }
                length += r.length;
                if (length > max) {
                    refuse("message larger than " + max + " bytes");
                    return;
                }
                complete = OciState.isComplete(new String(message, 0, length, StandardCharsets.UTF_8));
            }
            if (length == 0) {
                refuse("connection closed without a message");
                return;
            }
            if (truncated || fds.length > 1) {
                refuse("expected one notify fd, got " + (truncated ? "more than 16" : fds.length));
                return;
            }
            if (fds.length == 0) {
                refuse("no fd attached (SCM_RIGHTS)");
                return;
            }
            OciState state;
            try {
                state = OciState.parse(new String(message, 0, length, StandardCharsets.UTF_8).trim());
            } catch (IllegalArgumentException e) {
                refuse(e.getMessage());
                return;
            }
            if (state.seccompFdIndex() != 0) {
                refuse("seccompFd is fd #" + state.seccompFdIndex() + " but only one fd came");
                return;
            }
            handedOver = true;
            try {
                supervisor.attach(state, fds[0]);
            } catch (LinuxException e) {
                refuse("container " + state.containerId() + ": " + e.getMessage());
            }
        } catch (LinuxException | RuntimeException e) {
            refuse(e.toString());
        } finally {
            if (!handedOver) {
                for (int fd : fds) {
                    Linux.close(fd);
                }
            }
            Linux.close(connection);
        }
    }

    private void refuse(String reason) {
        supervisor.countRefused("oci");
        LOG.log(Level.WARNING, "refused OCI agent connection: " + reason);
    }
}
