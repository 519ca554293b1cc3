package dev.intercessor.core.internal.dispatch;

import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;

/**
 * Notifications a runtime receives itself and relays over a socket, answered over the same
 * socket: the runtime keeps the listeners and sends the answer to the kernel (LXC's seccomp notify
 * proxy). Each notification comes with the notify fd of its own listener (LXC has one per
 * {@code lxc-attach}, besides the container's), which serves {@code NOTIF_ID_VALID} and
 * {@code NOTIF_ADDFD} for that call; only receiving and answering go through here.
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

    /**
     * @return a duplicate of the notify fd the notification last received came with, the
     *         caller's to close; -1 if there is none
     */
    int duplicateNotifyFd();

    /** Closes the socket; called once, when the channel closes. */
    void close();
}
