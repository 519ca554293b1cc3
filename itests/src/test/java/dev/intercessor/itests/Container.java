package dev.intercessor.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real unprivileged runc container, started with the distribution's {@code bin/intercessor run}
 * (user namespace, container root = host uid 100000, Docker's default capabilities, the busybox
 * rootfs) against the test listener. The static test programs are mounted at {@code /opt/t}.
 */
final class Container implements AutoCloseable {

    /** What a command printed and how it ended. */
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static final Path HOME = Path.of(System.getProperty("intercessor.home"));
    static final Path PROGRAMS = Path.of(System.getProperty("intercessor.test.programs"));
    private static final long TIMEOUT_SECONDS = 60;

    private final String id;
    private final Process process;

    private Container(String id, Process process) {
        this.id = id;
        this.process = process;
    }

    private static List<String> runCommand(String id, List<String> options, String script) {
        List<String> command = new ArrayList<>(List.of(HOME.resolve("bin/intercessor").toString(), "run",
                "--listener", TestSetup.LISTENER, "--name", id,
                "--bind", PROGRAMS + ":/opt/t:ro"));
        command.addAll(options);
        command.addAll(List.of("--", "sh", "-c", script));
        return command;
    }

    /** Runs {@code script} with {@code sh -c} in a new container and waits for it. */
    static Result run(String id, String script, String... options) throws IOException, InterruptedException {
        return execute(runCommand(id, Arrays.asList(options), script));
    }

    /** Starts a container that stays up (running {@code sleep}) until closed. */
    static Container start(String id, String... options) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(runCommand(id, Arrays.asList(options), "sleep 600"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        Container c = new Container(id, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Result state = execute(List.of("runc", "state", id));
            if (state.exit() == 0 && state.out().contains("\"running\"")) {
                return c;
            }
            if (!p.isAlive()) {
                throw new IOException("container " + id + " ended at once: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            Thread.sleep(50);
        }
        c.close();
        throw new IOException("container " + id + " did not start");
    }

    /** Runs {@code script} in this running container ({@code runc exec}: a new notify fd). */
    Result exec(String script) throws IOException, InterruptedException {
        return execute(List.of("runc", "exec", id, "sh", "-c", script));
    }

    /** @return the host pid of the container's init */
    int hostPid() throws IOException, InterruptedException {
        String state = execute(List.of("runc", "state", id)).out();
        int at = state.indexOf("\"pid\":");
        String digits = state.substring(at + 6).replaceAll("^\\s*(\\d+).*", "$1").trim();
        return Integer.parseInt(digits.split("\\D")[0]);
    }

    String id() {
        return id;
    }

    static Result execute(List<String> command) throws IOException, InterruptedException {
        return execute(command, Map.of());
    }

    /**
     * Runs {@code command} with these variables added to its environment and waits for it. Its
     * stdin, stdout and stderr are pipes of its own (crun gives what they point to to the
     * container's root).
     */
    static Result execute(List<String> command, Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread o = drain(p.getInputStream(), out);
        Thread e = drain(p.getErrorStream(), err);
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        o.join();
        e.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(to);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        t.start();
        return t;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        execute(List.of("runc", "kill", id, "KILL"));
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        execute(List.of("runc", "delete", "-f", id));
    }
}
