package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;

/**
 * The service manager's readiness protocol ({@code sd_notify(3)}): a datagram such as
 * {@code READY=1} to the socket named by {@code $NOTIFY_SOCKET} (a path, or {@code @name} for an
 * abstract one), when that is set; nothing otherwise.
 */
public final class SdNotify {

    private static final int SOCK_DGRAM = 2;

    private SdNotify() {
    }

    /** @return whether the state was sent (false: no service manager asked, or it failed) */
    public static boolean send(String state) {
        String target = System.getenv("NOTIFY_SOCKET");
        if (target == null || target.isEmpty()) {
            return false;
        }
        int fd = -1;
        try {
            fd = UnixSocketServer.connect(target, SOCK_DGRAM);
            UnixSocketServer.send(fd, state.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (LinuxException e) {
            return false;
        } finally {
            Linux.close(fd);
        }
    }
}
