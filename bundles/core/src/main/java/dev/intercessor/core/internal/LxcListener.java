package dev.intercessor.core.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.intercessor.core.internal.linux.Epoll;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.UnixSocketServer;
import dev.intercessor.core.internal.lxc.LxcRelay;
import dev.intercessor.core.internal.lxc.ProxyMessage;
import jnr.ffi.Pointer;

/**
 * LXC's seccomp notify proxy socket ({@code lxc.seccomp.notify.proxy = unix:<proxyPath>}): each
 * LXC container's monitor connects when the container starts ({@code SOCK_SEQPACKET}) and sends
 * every notification there with the caller's {@code /proc/<pid>}, its {@code mem} and the notify
 * fd (LXC 4.0.5 and later). Only root peers are served. A connection waits here, with one thread
 * for all of them, until its first notification says which container it is (its init's pid); the
 * container is then attached like an OCI one and its connection served with every other notify
 * fd (its monitor's name for it, from {@code [lxc monitor] LXCPATH NAME}, is its id).
 */
@Component(immediate = true, configurationPid = LxcListener.PID)
@Designate(ocd = LxcListener.Config.class)
public class LxcListener {

    public static final String PID = "dev.intercessor.lxc";

    @ObjectClassDefinition(name = "Intercessor LXC seccomp notify proxy",
            description = "The socket LXC forwards seccomp notifications to.")
    public @interface Config {
        @AttributeDefinition(description = "Path of the unix socket (its directory is made 0700, the socket "
                + "0600, both root's). Put it in the container's config as lxc.seccomp.notify.proxy = unix:<path>.")
        String proxyPath() default "/run/intercessor/lxc.sock";

        @AttributeDefinition(min = "1", description = "LXC containers connected that have not sent a notification yet, at most.")
        int maxWaiting() default 256;
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.core.lxc");

    @Reference
    private Supervisor supervisor;

    private Config config;
    private ListenerSocket socket;
    private Epoll waiting;
    /** Connections waiting for their first notification → who connected. */
    private final Map<Integer, UnixSocketServer.Peer> peers = new ConcurrentHashMap<>();
    private Thread acceptor;
    private Thread firstMessages;
    private volatile boolean running;

    @Activate
    void activate(Config config) throws IOException, LinuxException {
        this.config = config;
        socket = ListenerSocket.open(Path.of(config.proxyPath()), Linux.SOCK_SEQPACKET, "proxyPath (" + PID + ")");
        try {
            waiting = new Epoll();
        } catch (LinuxException e) {
            socket.close();
            throw e;
        }
        running = true;
        acceptor = socket.acceptInto("intercessor-lxc-accept", () -> running, this::accepted);
        firstMessages = new Thread(this::firstMessageLoop, "intercessor-lxc");
        firstMessages.setDaemon(true);
        firstMessages.start();
        LOG.log(Level.INFO, "LXC seccomp notify proxy listening on " + socket.path());
        supervisor.listenerHealth("lxc-listener", () -> acceptor.isAlive() ? socket.problem() : "its accepting thread ended");
    }

    @Deactivate
    void deactivate() throws IOException {
        supervisor.listenerHealth("lxc-listener", null);
        running = false;
        socket.shutdown();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
        waiting.close(); // the waiting thread's epoll_wait ends with EBADF
        for (int connection : peers.keySet()) {
            Linux.close(connection);
        }
        peers.clear();
    }

    /** A new connection: root's, waiting (one thread for all) for its first notification. */
    private void accepted(int connection) {
        try {
            UnixSocketServer.Peer peer = UnixSocketServer.peer(connection);
            if (peer.uid() != 0) {
                throw new LinuxException("peer uid " + peer.uid() + " (pid " + peer.pid() + ") is not root",
                        dev.intercessor.api.Errno.EPERM);
            }
            if (peers.size() >= config.maxWaiting()) {
                throw new LinuxException(config.maxWaiting() + " connections wait for their first notification "
                        + "already (maxWaiting)", Linux.EAGAIN);
            }
            peers.put(connection, peer);
            waiting.add(connection, Linux.EPOLLIN, connection);
            LOG.log(Level.DEBUG, () -> "LXC monitor " + peer.pid() + " connected; it waits for its first notification");
        } catch (LinuxException e) {
            peers.remove(connection);
            Linux.close(connection);
            supervisor.countRefused("lxc");
            LOG.log(Level.WARNING, "refused LXC proxy connection: " + e.getMessage());
        }
    }

    private void firstMessageLoop() {
        Pointer events = Linux.allocate(Epoll.EVENT_SIZE);
        byte[] message = new byte[LxcRelay.MESSAGE_MAX];
        while (running) {
            int connection;
            try {
                if (waiting.await(events, 1, -1) == 0) {
                    continue;
                }
                connection = (int) Epoll.key(events, 0);
            } catch (LinuxException e) {
                if (running) {
                    LOG.log(Level.ERROR, "waiting for LXC's first notifications failed: " + e.getMessage());
                    sleep();
                }
                continue;
            }
            waiting.remove(connection);
            UnixSocketServer.Peer peer = peers.remove(connection);
            if (peer != null) {
                attach(connection, peer, message);
            }
        }
    }

    /**
     * Looks at the first message without taking it (it is then served like every later one), and
     * attaches the container it names; anything else closes the connection with a log line.
     */
    private void attach(int connection, UnixSocketServer.Peer peer, byte[] buffer) {
        int[] fds = new int[0];
        boolean handedOver = false;
        try {
            UnixSocketServer.Received r = UnixSocketServer.receive(connection, buffer, 0, buffer.length,
                    Linux.MSG_PEEK | Linux.MSG_DONTWAIT);
            fds = r.fds;
            if (r.length == 0) {
                LOG.log(Level.DEBUG, () -> "LXC monitor " + peer.pid() + " closed its proxy connection before any notification");
                Linux.close(connection);
                return;
            }
            ProxyMessage first = ProxyMessage.parse(buffer, r.length);
            if (fds.length != 3) {
                throw new IllegalArgumentException(fds.length + " fds came, 3 expected (/proc/<pid>, its mem, the notify "
                        + "fd: LXC 4.0.5 and later)");
            }
            String id = containerName(peer.pid()).orElse("lxc-" + first.initPid());
            dev.intercessor.core.internal.oci.OciState state = new dev.intercessor.core.internal.oci.OciState(
                    "lxc", id, first.initPid(), first.initPid(), first.cookieLines(), Map.of(), "", 0);
            handedOver = true; // the notify fd and the connection: the channel's now, or closed by attachRelayed
            supervisor.attachRelayed(state, fds[2], new LxcRelay(connection, id));
        } catch (LinuxException | IllegalArgumentException e) {
            supervisor.countRefused("lxc");
            LOG.log(Level.WARNING, "refused LXC proxy connection from monitor " + peer.pid() + ": " + e.getMessage());
            if (!handedOver) {
                Linux.close(connection);
            }
        } finally {
            for (int i = 0; i < fds.length; i++) {
                if (i != 2 || !handedOver) {
                    Linux.close(fds[i]); // /proc/<pid> and its mem: the channel opens its own
                }
            }
        }
    }

    /** @return the name LXC's monitor gives the container: its command line is {@code [lxc monitor] LXCPATH NAME} */
    static java.util.Optional<String> containerName(int monitorPid) {
        try {
            String[] argv = new String(Files.readAllBytes(Path.of("/proc/" + monitorPid + "/cmdline")),
                    StandardCharsets.UTF_8).split("\0");
            String line = String.join(" ", argv).trim();
            if (line.startsWith("[lxc monitor] ")) {
                String name = line.substring(line.lastIndexOf(' ') + 1);
                if (name.matches("[A-Za-z0-9][A-Za-z0-9_.+-]{0,255}")) {
                    return java.util.Optional.of(name);
                }
            }
        } catch (IOException e) {
            // gone, or not ours to read
        }
        return java.util.Optional.empty();
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
