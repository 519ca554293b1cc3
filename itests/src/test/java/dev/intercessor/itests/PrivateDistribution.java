package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy of the built distribution for one test class, on sockets and a device store of its own
 * under {@code /run/intercessor-<name>/}, so a daemon on the default paths (or the Pax Exam one)
 * is left alone.
 */
final class PrivateDistribution {

    private final Path home;
    private final Path run;

    private PrivateDistribution(Path home, Path run) {
        this.home = home;
        this.run = run;
    }

    /** Copies the distribution into the test work directory, without its var/. */
    static PrivateDistribution copy(String name) throws Exception {
        return copy(name, name);
    }

    /**
     * @param runName the run directory's name ({@code /run/intercessor-<runName>}): two copies with
     *                one run directory share the sockets and the fd keeper, as an upgrade's new
     *                distribution does the old one's
     */
    static PrivateDistribution copy(String name, String runName) throws Exception {
        return copy(Path.of(System.getProperty("intercessor.home")), name, runName);
    }

    /** @param source a distribution directory (this build's, or another build's) */
    static PrivateDistribution copy(Path source, String name, String runName) throws Exception {
        Path home = Path.of(System.getProperty("intercessor.test.work"), name + "-distribution");
        Path run = Path.of("/run/intercessor-" + runName);
        Container.execute(List.of("rm", "-rf", home.toString()));
        Files.createDirectories(home.getParent());
        Container.Result copy = Container.execute(List.of("cp", "-a", source.toString(), home.toString()));
        assertEquals(copy.toString(), 0, copy.exit());
        Container.execute(List.of("rm", "-rf", home.resolve("var").toString()));
        Files.writeString(home.resolve("etc/dev.intercessor.oci.cfg"), "listenerPath=" + run.resolve("oci.sock") + "\n");
        Files.writeString(home.resolve("etc/dev.intercessor.core.cfg"), "deviceStore=" + run.resolve("devices") + "\n"
                + "keeperSocket=" + run.resolve("keeper.sock") + "\n");
        Files.writeString(home.resolve("etc/dev.intercessor.shell.cfg"), "socketPath=" + run.resolve("shell.sock") + "\n");
        Files.writeString(home.resolve("etc/dev.intercessor.lxc.cfg"), "proxyPath=" + run.resolve("lxc.sock") + "\n");
        // Off: the default port may be a daemon's on this host, and copies run side by side.
        Files.writeString(home.resolve("etc/dev.intercessor.metrics.cfg"), "address=\n");
        return new PrivateDistribution(home, run);
    }

    Path home() {
        return home;
    }

    String listener() {
        return run.resolve("oci.sock").toString();
    }

    String shellSocket() {
        return run.resolve("shell.sock").toString();
    }

    /** Runs {@code bin/intercessor ARGS…} of this copy. */
    Container.Result launcher(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/intercessor").toString()));
        command.addAll(List.of(args));
        return Container.execute(command);
    }

    /** @return its run directory (sockets, the device store, the fd keeper) */
    Path run() {
        return run;
    }

    /** Stops the daemon if it runs, and removes the copy and its run directory. */
    void remove() throws Exception {
        launcher("stop");
        TestSetup.removeEmptyParentCgroups();
        Container.execute(List.of("rm", "-rf", home.toString()));
        // What the fd keeper leaves for the next run (the handlers it had), and it, if it still runs.
        Container.execute(List.of("rm", "-rf", run.toString()));
    }
}
