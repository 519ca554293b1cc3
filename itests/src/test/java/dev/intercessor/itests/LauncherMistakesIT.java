package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Test;

/**
 * Mistakes an operator made with {@code bin/intercessor}, each of which once gave a silent or wrong
 * result: now each fails clearly, with its cause and a non-zero exit status. Each test runs a copy
 * of the distribution of its own (sockets in {@code /run/intercessor-<name>}).
 */
public class LauncherMistakesIT {

    private final List<PrivateDistribution> copies = new ArrayList<>();

    @After
    public void removeCopies() throws Exception {
        for (PrivateDistribution d : copies) {
            d.remove();
            // Whatever a failed test left mounted there (a failed activation unmounts its store).
            HostLeftovers.removeTree(d.run());
        }
    }

    private PrivateDistribution copy(String name) throws Exception {
        PrivateDistribution d = PrivateDistribution.copy(name);
        copies.add(d);
        return d;
    }

    /** @return the pids of the processes whose working directory is {@code home} (the launcher's JVMs) */
    private static List<Long> processesIn(Path home) {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                if (Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).equals(home)) {
                    pids.add(p.pid());
                }
            } catch (IOException | UnsupportedOperationException gone) {
                // ended meanwhile, or a kernel thread
            }
        });
        return pids;
    }

    private static void assertStartFailedAndLeftNothing(PrivateDistribution d, Container.Result start) throws Exception {
        assertEquals(start.toString(), 1, start.exit());
        assertTrue(start.toString(), start.err().contains("stopped the supervisor it started"));
        assertFalse("pid file removed", Files.exists(d.home().resolve("var/run/intercessor.pid")));
        assertEquals("nothing of this distribution runs", List.of(), processesIn(d.home().toRealPath()));
        Container.Result status = d.launcher("status");
        assertEquals(status.toString(), 3, status.exit());
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse("nothing left mounted in " + d.run() + ":\n" + mounts, mounts.contains(" " + d.run() + "/"));
    }

    /**
     * A device store where no directory can be made (under a file): the supervisor's component
     * fails to activate (a value of the right type, so the configuration check lets it through).
     * Its cause is a SEVERE line of the daemon's log, and start says it at once (not after the 15 s
     * the listener may take), stops the JVM and fails.
     */
    @Test
    public void startFailsAtOnceWithTheCauseWhenAComponentFailsToActivate() throws Exception {
        PrivateDistribution d = copy("launcher-mistakes-cfg");
        Path core = d.home().resolve("etc/dev.intercessor.core.cfg");
        String store = d.home().resolve("etc/config.properties/devices").toString();
        Files.writeString(core, Files.readString(core).replaceAll("(?m)^deviceStore=.*$", "deviceStore=" + store));
        long t0 = System.nanoTime();
        Container.Result start = d.launcher("start");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(start.toString(), start.err().contains("a component failed to activate"));
        assertTrue(start.toString(), start.err().contains("Supervisor") && start.err().contains(store));
        assertTrue("failed after " + seconds + " s, before the listener's 15 s", seconds < 14);
        assertStartFailedAndLeftNothing(d, start);
        String log = Files.readString(d.home().resolve("var/log/intercessor.log"));
        assertTrue(log, log.lines().anyMatch(l -> l.matches(".* SEVERE +osgi\\.log\\.dev\\.intercessor\\.core: .*"
                + "Supervisor.*The activate method has thrown an exception: .*config\\.properties/devices.*")));
    }

    /** Another process listens on the OCI socket: start names the socket and what to change. */
    @Test
    public void startFailsWhenAnotherProcessListensOnTheListenerSocket() throws Exception {
        PrivateDistribution d = copy("launcher-mistakes-busy");
        Path socket = Path.of(d.listener());
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(socket));
            long t0 = System.nanoTime();
            Container.Result start = d.launcher("start");
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(start.toString(), start.err().contains("another supervisor already listens on " + socket
                    + ": configure another listenerPath (dev.intercessor.oci)"));
            assertTrue("failed after " + seconds + " s", seconds < 14);
            assertStartFailedAndLeftNothing(d, start);
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    /** Without the core bundle no listener ever comes, and nothing fails: after 15 s start gives up, and stops it. */
    @Test
    public void startStopsTheSupervisorWhenTheListenerDoesNotAppearInTime() throws Exception {
        PrivateDistribution d = copy("launcher-mistakes-slow");
        try (Stream<Path> jars = Files.list(d.home().resolve("bundle"))) {
            for (Path jar : jars.filter(j -> j.getFileName().toString().startsWith("core-")).toList()) {
                Files.delete(jar);
            }
        }
        long t0 = System.nanoTime();
        Container.Result start = d.launcher("start");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(start.toString(), start.err().contains("listener " + d.listener() + " did not appear within 15 s"));
        assertTrue("gave up after " + seconds + " s", seconds >= 15);
        assertStartFailedAndLeftNothing(d, start);
    }

    /**
     * A component that fails while the supervisor runs leaves it half-started: here the OCI
     * listener, moved (etc/dev.intercessor.oci.cfg, which FileInstall hands on at once) to a socket
     * another process listens on. status says so, with the cause, and its own exit status; and
     * also when the listener socket is gone.
     */
    @Test
    public void statusTellsAHalfStartedSupervisor() throws Exception {
        PrivateDistribution d = copy("launcher-mistakes-status");
        Container.Result start = d.launcher("start");
        assertEquals(start.toString(), 0, start.exit());
        Container.Result healthy = d.launcher("status");
        assertEquals(healthy.toString(), 0, healthy.exit());
        assertFalse(healthy.toString(), healthy.out().contains("NOT HEALTHY"));

        Path taken = d.run().resolve("taken.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(taken));
            Files.writeString(d.home().resolve("etc/dev.intercessor.oci.cfg"), "listenerPath=" + taken + "\n");
            TestSetup.waitFor(() -> d.launcher("status").exit() == 4, "status to see the failed component");
            Container.Result status = d.launcher("status");
            assertTrue(status.toString(), status.out().contains("intercessor is running (pid "));
            assertTrue(status.toString(), status.out().contains("NOT HEALTHY"));
            assertTrue(status.toString(), status.out().contains("OciListener")
                    && status.out().contains("another supervisor already listens on " + taken));
        } finally {
            Files.deleteIfExists(taken);
        }
        Container.Result status = d.launcher("status");
        assertEquals(status.toString(), 4, status.exit());
        assertTrue(status.toString(), status.out().contains("its listener socket is missing"));
        Container.Result stop = d.launcher("stop");
        assertEquals(stop.toString(), 0, stop.exit());
    }

    /**
     * As another user the launcher cannot see root's supervisor: start, stop and status say that
     * they need root instead of "not running" or a failed rm; the supervisor runs on.
     */
    @Test
    public void asAnotherUserStartStopAndStatusSayThatTheyNeedRoot() throws Exception {
        PrivateDistribution d = copy("launcher-mistakes-user");
        assertEquals(0, d.launcher("start").exit());
        for (String command : List.of("status", "stop", "start", "restart", "console")) {
            Container.Result nobody = Container.execute(List.of("setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups", d.home().resolve("bin/intercessor").toString(), command));
            assertEquals(nobody.toString(), 1, nobody.exit());
            assertTrue(nobody.toString(), nobody.err().contains(command + " needs root"));
            assertFalse(nobody.toString(), nobody.out().contains("not running"));
        }
        Container.Result status = d.launcher("status");
        assertEquals("still running: " + status, 0, status.exit());
        assertTrue(Files.exists(d.home().resolve("var/run/intercessor.pid")));
    }

    /** Commands piped into the console run once its bundles are up, not "Command not found". */
    @Test
    public void commandsPipedIntoTheConsoleRunOnceTheBundlesAreUp() throws Exception {
        PrivateDistribution d = copy("launcher-mistakes-console");
        Container.Result console = Container.execute(List.of("sh", "-c",
                "printf 'containers\\nhandlers\\n' | " + d.home().resolve("bin/intercessor") + " console"));
        assertFalse(console.toString(), console.out().contains("Command not found"));
        assertTrue(console.toString(), console.out().contains("no attached containers"));
        // The handlers come from deploy/ a little later (FileInstall): the command answers either way.
        assertTrue(console.toString(), console.out().lines().anyMatch(l -> l.matches("(g! )?HANDLER +SYSCALLS +BUNDLE .*")
                || l.equals("g! no handlers registered")));
        assertEquals("the console ended with its input: " + processesIn(d.home().toRealPath()), List.of(),
                processesIn(d.home().toRealPath()));
    }

    /** Each entry of the tree: path, type, mode, owner, size, times (modification, change). */
    private static String listing(Path root) throws IOException {
        try (Stream<Path> tree = Files.walk(root)) {
            return tree.sorted().map(p -> {
                try {
                    PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    return root.relativize(p) + " " + (a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : "f") + " "
                            + PosixFilePermissions.toString(a.permissions()) + " " + a.owner().getName() + ":"
                            + a.group().getName() + " " + a.size() + " " + a.lastModifiedTime().toMillis() + " "
                            + Files.getAttribute(p, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).collect(Collectors.joining("\n"));
        }
    }

    /**
     * runc makes the mount points of {@code --bind} and {@code --cwd} in the container's root:
     * {@code run} gives it an overlay of the rootfs, which stays byte for byte as it was, while the
     * container still has its bind mount and working directory.
     */
    @Test
    public void runNeverWritesIntoTheRootfsItIsGiven() throws Exception {
        PrivateDistribution d = copy("launcher-mistakes-rootfs");
        Path rootfs = d.home().resolve("var/shared-rootfs");
        Container.Result built = d.launcher("rootfs", rootfs.toString());
        assertEquals(built.toString(), 0, built.exit());
        Path shared = Files.createDirectories(d.home().resolve("var/shared-data"));
        Files.writeString(shared.resolve("note"), "from the host\n");
        String before = listing(rootfs);
        assertFalse(Files.exists(rootfs.resolve("srv")));

        String name = "it-launcher-rootfs-" + ProcessHandle.current().pid();
        Container.Result run = d.launcher("run", "--no-intercept", "--rootfs", rootfs.toString(), "--name", name,
                "--bind", shared + ":/srv/shared/data:ro", "--cwd", "/work/here", "--",
                "sh", "-c", "pwd; cat /srv/shared/data/note; touch /new 2>/dev/null || echo read-only");
        assertEquals(run.toString(), 0, run.exit());
        assertEquals(run.toString(), "/work/here\nfrom the host\nread-only\n", run.out());

        assertEquals("the rootfs after the container", before, listing(rootfs));
        assertFalse("its root unmounted and gone", Files.exists(Path.of("/run/intercessor-roots", name)));
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(name));
    }
}
