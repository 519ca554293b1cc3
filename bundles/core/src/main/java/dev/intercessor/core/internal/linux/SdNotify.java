package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;

import jnr.ffi.Pointer;

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
        if (target == null || target.isEmpty() || target.length() >= 108) {
            return false;
        }
        byte[] name = target.getBytes(StandardCharsets.UTF_8);
        boolean isAbstract = name[0] == '@';
        if (isAbstract) {
            name[0] = 0;
        }
        int fd = Linux.libc().socket(Linux.AF_UNIX, SOCK_DGRAM | Linux.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return false;
        }
        try {
            Pointer address = Linux.allocate(2 + 108);
            address.putShort(0, (short) Linux.AF_UNIX);
            address.put(2, name, 0, name.length);
            if (Linux.libc().connect(fd, address, 2 + name.length + (isAbstract ? 0 : 1)) != 0) {
                return false;
            }
            UnixSocketServer.send(fd, state.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (LinuxException e) {
            return false;
        } finally {
            Linux.close(fd);
        }
    }
}
