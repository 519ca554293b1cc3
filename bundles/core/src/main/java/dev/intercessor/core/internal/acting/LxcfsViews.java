package dev.intercessor.core.internal.acting;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import dev.intercessor.core.internal.dispatch.Session;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.LxcfsMount;

/**
 * The policy key {@value #KEY} (the sysinfo handler's option): when a container attaches, LXCFS's
 * per-container {@code /proc} and {@code /sys} files at that mount point are mounted over its own
 * ({@link LxcfsMount}), so {@code free}, {@code uptime} and the sysinfo handler tell one story.
 *
 * <p>Done when the container's first notify fd arrives, before it is served: its trapped calls
 * (sysinfo among them) wait in the kernel until the files are in place. If LXCFS is not there,
 * a warning, once per container, and the container keeps the kernel's files.
 */
public final class LxcfsViews {

    /** The policy key: the LXCFS mount point, empty for none. */
    public static final String KEY = "sysinfo.lxcfs";

    private static final Logger LOG = System.getLogger("dev.intercessor.core");

    private LxcfsViews() {
    }

    /** For a new container: mounts the LXCFS view its policy asks for, if any. Never throws. */
    public static void prepare(Session session) {
        String mountPoint = session.policy().get(KEY).map(String::trim).orElse("");
        if (mountPoint.isEmpty()) {
            return;
        }
        String id = session.containerId();
        try {
            if (!mountPoint.startsWith("/") || mountPoint.contains(",") || mountPoint.contains("/.")) {
                throw new LinuxException("not one absolute path without '.' components: " + mountPoint,
                        dev.intercessor.api.Errno.EINVAL);
            }
            LxcfsMount.Outcome done = LxcfsMount.mount(session.init(), mountPoint);
            LOG.log(done.failed().isEmpty() ? Level.INFO : Level.WARNING, () -> "container " + id + ": LXCFS at "
                    + mountPoint + " mounted over " + done.mounted()
                    + (done.missing().isEmpty() ? "" : "; absent, left alone: " + done.missing())
                    + (done.failed().isEmpty() ? "" : "; refused: " + done.failed()));
        } catch (LinuxException | RuntimeException e) {
            LOG.log(Level.WARNING, () -> "container " + id + ": " + KEY + "=" + mountPoint + ", but no LXCFS view: "
                    + e.getMessage() + "; its /proc stays the kernel's (and sysinfo answers as without LXCFS)");
        }
    }
}
