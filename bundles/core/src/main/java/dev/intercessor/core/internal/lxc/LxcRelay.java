package dev.intercessor.core.internal.lxc;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.core.internal.dispatch.RelayedNotifications;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.linux.UnixSocketServer;

/**
 * One LXC container's proxy connection: its monitor sends a notification and waits (30 s) for
 * the answer before it sends the next, so at most one is outstanding. An answer for any other id
 * (a call the watchdog answered already, a slow handler done after LXC gave up) is dropped: LXC
 * would take it for the answer to whatever it sent next.
 */
public final class LxcRelay implements RelayedNotifications {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.lxc");
    /** A message is two small structs and the cookie; a longer cookie is cut here. */
    public static final int MESSAGE_MAX = 65536;
    private static final int FLAG_CONTINUE = 1;

    private final int socket;
    private final String containerId;
    /** Read by one notify thread at a time (the socket is one-shot on epoll). */
    private final byte[] received = new byte[MESSAGE_MAX];
    /** The message waiting for its answer, and the notify fd it came with; guarded by this. */
    private ProxyMessage outstanding;
    private int outstandingFd = -1;

    /** @param socket the connection, the relay's from now on */
    public LxcRelay(int socket, String containerId) {
        this.socket = socket;
        this.containerId = containerId;
    }

    @Override
    public int socket() {
        return socket;
    }

    @Override
    public boolean receive(Seccomp.Buffers buffers) throws LinuxException {
        UnixSocketServer.Received r = UnixSocketServer.receive(socket, received, 0, received.length);
        // /proc/<pid> and its mem: the target opens its own, checked against the notify fd.
        int notifyFd = r.fds.length == 3 ? r.fds[2] : -1;
        for (int fd : r.fds) {
            if (fd != notifyFd) {
                Linux.close(fd);
            }
        }
        if (r.length == 0) {
            Linux.close(notifyFd);
            throw new LinuxException("LXC closed the proxy connection", Linux.EPIPE);
        }
        ProxyMessage message;
        try {
            message = ProxyMessage.parse(received, r.length);
            if (notifyFd < 0 || !Seccomp.isNotifyFd(notifyFd)) {
                throw new IllegalArgumentException(r.fds.length + " fds, the third not a seccomp notify fd");
            }
        } catch (IllegalArgumentException e) {
            Linux.close(notifyFd);
            LOG.log(Level.WARNING, () -> "container " + containerId + ": not an LXC proxy message ("
                    + e.getMessage() + "): ignored, LXC answers it itself after its timeout");
            return false;
        }
        buffers.notif.setMemory(0, Seccomp.NOTIF_SIZE, (byte) 0);
        buffers.notif.put(0, message.notif(), 0, Math.min(message.notif().length, Seccomp.NOTIF_SIZE));
        int replaced;
        synchronized (this) {
            replaced = outstandingFd; // a message LXC stopped waiting for: its answer will be dropped
            outstanding = message;
            outstandingFd = notifyFd;
        }
        Linux.close(replaced);
        return true;
    }

    @Override
    public long answer(int notifyFd, Seccomp.Buffers buffers, long id, Response response) throws LinuxException {
        ProxyMessage message;
        int listener = -1;
        synchronized (this) {
            message = outstanding;
            if (message != null && message.id() == id) {
                outstanding = null;
                listener = outstandingFd;
                outstandingFd = -1;
            }
        }
        if (listener < 0) {
            if (response.kind() == Response.Kind.INJECT_FD) {
                Linux.close(response.fd());
            }
            LOG.log(Level.INFO, () -> "container " + containerId + ": answer to notification " + id
                    + " dropped: LXC is no longer waiting for it");
            throw new LinuxException("not outstanding", Errno.ENOENT);
        }
        long value = 0;
        int error = 0;
        int flags = 0;
        long injected = 0;
        switch (response.kind()) {
            case CONTINUE -> flags = FLAG_CONTINUE;
            case VALUE -> value = response.value();
            case ERRNO -> error = -response.errno();
            case INJECT_FD -> {
                // LXC sends the answer itself, so the fd goes in without SEND and its number in the answer.
                try {
                    injected = Seccomp.addFd(listener, buffers, id, response.fd(), response.closeOnExec());
                    value = injected;
                } catch (LinuxException e) {
                    error = -e.errno();
                } finally {
                    Linux.close(response.fd());
                }
            }
            default -> error = -Errno.ENOSYS;
        }
        Linux.close(listener);
        UnixSocketServer.send(socket, message.reply(value, error, flags));
        return injected;
    }

    @Override
    public synchronized int duplicateNotifyFd() {
        return outstandingFd < 0 ? -1 : Linux.duplicate(outstandingFd);
    }

    @Override
    public void close() {
        int fd;
        synchronized (this) {
            fd = outstandingFd;
            outstandingFd = -1;
            outstanding = null;
        }
        Linux.close(fd);
        Linux.close(socket);
    }
}
