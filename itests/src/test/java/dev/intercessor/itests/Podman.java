package dev.intercessor.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Rootful Podman with a store of the test's own: storage, temporary files, locks and network
 * configuration under one directory, its run root in another, so the host's containers and images
 * are never touched. Closing removes its containers, its images and both directories.
 */
final class Podman implements AutoCloseable {

    private final Path dir;
    /** Podman wants a run root of at most 50 characters (conmon's socket paths): one under /tmp. */
    private final Path runroot;
    private final List<String> global;
    /** Podman's lock_type has no flag: "file" keeps the locks in --tmpdir, not in /dev/shm/libpod_lock. */
    private final Map<String, String> environment;
    private final HostLeftovers leftovers;

    private Podman(Path dir, Path runroot, HostLeftovers leftovers) {
        this.dir = dir;
        this.runroot = runroot;
        this.leftovers = leftovers;
        this.global = List.of("podman", "--root", dir.resolve("root").toString(),
                "--runroot", runroot.toString(), "--tmpdir", dir.resolve("tmp").toString(),
                "--network-config-dir", dir.resolve("networks").toString(), "--storage-driver", "overlay",
                "--cgroup-manager", "cgroupfs", "--events-backend", "file");
        this.environment = Map.of("CONTAINERS_CONF", dir.resolve("containers.conf").toString());
    }

    /** @return whether {@code podman} runs here */
    static boolean installed() {
        try {
            return Container.execute(List.of("podman", "--version")).exit() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Makes an empty store under {@code dir}. */
    static Podman create(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("containers.conf"), "[engine]\nlock_type = \"file\"\n");
        HostLeftovers leftovers = HostLeftovers.note("/var/lib/containers", "/run/containers", "/dev/shm/libpod_lock")
                .cgroup("libpod_parent");
        return new Podman(dir, Files.createTempDirectory("intercessor-podman-"), leftovers);
    }

    /** Runs {@code podman} with the store's options and these arguments. */
    Container.Result podman(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(global);
        command.addAll(Arrays.asList(args));
        return Container.execute(command, environment);
    }

    /** Like {@link #podman}, but fails unless podman succeeds. */
    Container.Result check(String... args) throws IOException, InterruptedException {
        Container.Result r = podman(args);
        if (r.exit() != 0) {
            throw new IOException("podman " + String.join(" ", args) + " failed: " + r);
        }
        return r;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            podman("rm", "--all", "--force", "--time", "0");
            podman("rmi", "--all", "--force");
        } finally {
            HostLeftovers.removeTree(runroot);
            HostLeftovers.removeTree(dir);
            leftovers.remove();
        }
    }
}
