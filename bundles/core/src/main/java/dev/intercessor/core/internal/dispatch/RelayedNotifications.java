package dev.intercessor.core.internal.dispatch;

import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;

/**
 * Notifications a runtime receives itself and relays over a socket, answered over the same
 * socket: the runtime keeps the listener and sends the answer to the kernel (LXC's seccomp notify
 * proxy). The channel's notify fd, which the runtime passes along, still serves
 * {@code NOTIF_ID_VALID} and {@code NOTIF_ADDFD}; only receiving and answering go through here.
 */
public interface RelayedNotifications extends AnswerSink {

    /** @return the socket the relayed notifications arrive on (what the channel waits for) */
    int socket();

    /**
     * Reads the next relayed notification into {@code buffers.notif}.
     *
     * @return false if the message was not a usable notification (logged, nothing to answer)
     * @throws LinuxException when the runtime has gone (end of stream, or the socket failed)
     */
    boolean receive(Seccomp.Buffers buffers) throws LinuxException;

    /** Closes the socket; called once, when the channel closes. */
    void close();
}
