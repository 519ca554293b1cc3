package dev.intercessor.handler.module;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host's module loader ({@code modprobe}) for one module: {@code <loader> <name> [params…]},
 * as the supervisor (host root, host namespaces), with no shell, a fixed environment, stdin from
 * {@code /dev/null}, its output (stdout and stderr) in a private temporary file of which the first
 * {@value #OUTPUT_MAX} bytes are kept for the log, and a deadline after which it and everything it
 * started are killed.
 */
final class HostLoader {

    /** How a loader run ended. */
    record Outcome(int exit, boolean timedOut, String output) {
    }

    /** Runs a command; a seam for tests. */
    interface Runner {
        Outcome run(List<String> command, long timeoutMillis) throws IOException, InterruptedException;
    }

    static final int OUTPUT_MAX = 4096;
    private static final Map<String, String> ENVIRONMENT = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin",
            "LC_ALL", "C");

    private HostLoader() {
    }

    /** @return the command line: the loader, the validated name, the operator's parameters */
    static List<String> command(String loader, String name, List<String> params) {
        List<String> command = new ArrayList<>();
        command.add(loader);
        command.add(name);
        command.addAll(params);
        return command;
    }

    /** The real runner. */
    static Outcome run(List<String> command, long timeoutMillis) throws IOException, InterruptedException {
        Path output = Files.createTempFile("intercessor-module-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().clear();
            pb.environment().putAll(ENVIRONMENT);
            pb.directory(new File("/"));
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.redirectErrorStream(true);
            pb.redirectOutput(output.toFile());
            Process p = pb.start();
            boolean done;
            try {
                done = p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(p);
                throw e;
            }
            if (!done) {
                kill(p);
                p.waitFor(1, TimeUnit.SECONDS);
            }
            return new Outcome(done ? p.exitValue() : -1, !done, head(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Kills the loader and whatever it started (a helper that would outlive it). */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static String head(Path output) throws IOException {
        try (InputStream in = Files.newInputStream(output)) {
            byte[] head = in.readNBytes(OUTPUT_MAX);
            return new String(head, StandardCharsets.UTF_8).strip();
        }
    }
}
