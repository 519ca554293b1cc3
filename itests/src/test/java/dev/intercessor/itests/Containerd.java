package dev.intercessor.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A containerd of the test's own: its root, state, sockets, the FIFOs of {@code ctr} and the state
 * of the runc its shims run, all under one directory; the CRI plugin is off. Closing removes its
 * containers, stops the daemon (the process this class started) and removes the directory.
 */
final class Containerd implements AutoCloseable {

    private final Path dir;
    private final Process daemon;
    private final HostLeftovers leftovers;

    private Containerd(Path dir, Process daemon, HostLeftovers leftovers) {
        this.dir = dir;
        this.daemon = daemon;
        this.leftovers = leftovers;
    }

    /** @return whether containerd, its runc shim and ctr run here */
    static boolean installed() {
        try {
            return Container.execute(List.of("containerd", "--version")).exit() == 0
                    && Container.execute(List.of("ctr", "--version")).exit() == 0
                    && Container.execute(List.of("containerd-shim-runc-v2", "-v")).exit() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Starts containerd on a configuration of its own under {@code dir}; waits for its socket. */
    static Containerd start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("fifo"));
        Files.createDirectories(dir.resolve("runc"));
        Path config = dir.resolve("config.toml");
        Files.writeString(config, "version = 2\n"
                + "root = \"" + dir.resolve("root") + "\"\n"
                + "state = \"" + dir.resolve("state") + "\"\n"
                + "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                + "[grpc]\n  address = \"" + socket(dir) + "\"\n"
                + "[ttrpc]\n  address = \"" + socket(dir) + ".ttrpc\"\n"
                + "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" + dir.resolve("opt") + "\"\n");
        HostLeftovers leftovers = HostLeftovers.note("/run/containerd");
        Path log = dir.resolve("containerd.log");
        Files.createFile(dir.resolve("stdin"));
        Process p = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectInput(dir.resolve("stdin").toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        Containerd c = new Containerd(dir, p, leftovers);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.ctr("version").out().contains("Server:")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                c.close();
                throw new IOException("containerd did not start: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        return c;
    }

    private static Path socket(Path dir) {
        return dir.resolve("containerd.sock");
    }

    /** Runs {@code ctr} against this containerd with these arguments. */
    Container.Result ctr(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", socket(dir).toString()));
        command.addAll(Arrays.asList(args));
        return Container.execute(command);
    }

    /** The options that keep {@code ctr run} in this directory: its FIFOs and runc's state. */
    List<String> runOptions() {
        return List.of("--fifo-dir", dir.resolve("fifo").toString(), "--runc-root", dir.resolve("runc").toString());
    }

    /** The option that keeps {@code ctr task exec}'s FIFOs in this directory. */
    List<String> execOptions() {
        return List.of("--fifo-dir", dir.resolve("fifo").toString());
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (daemon.isAlive()) {
                for (String id : ctr("containers", "list", "--quiet").out().split("\\s+")) {
                    if (!id.isEmpty()) {
                        ctr("task", "kill", "--signal", "SIGKILL", id);
                        ctr("task", "delete", "--force", id);
                        ctr("containers", "delete", id);
                    }
                }
                daemon.destroy();
                if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly();
                    daemon.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            HostLeftovers.removeTree(dir);
            leftovers.remove();
        }
    }
}
