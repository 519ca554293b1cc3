package dev.intercessor.shell.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.OptionInfo;
import dev.intercessor.admin.PolicyEntry;
import dev.intercessor.admin.Supervision;
import dev.intercessor.admin.SyscallStats;
import dev.intercessor.logging.LogText;

/**
 * The {@code intercessor:} Gogo commands. They return the admin records ({@link AdminConverter}
 * prints them); a container is named by its id or a prefix of exactly one.
 */
@Component(service = Commands.class, property = {
        "osgi.command.scope=intercessor",
        "osgi.command.function=containers",
        "osgi.command.function=container",
        "osgi.command.function=handlers",
        "osgi.command.function=options",
        "osgi.command.function=policy",
        "osgi.command.function=stats",
        "osgi.command.function=health",
        "osgi.command.function=trace" })
public class Commands {

    /**
     * Session variable of the remote shell: its {@link StopRequests}, how Ctrl-C (and a client that
     * went away) reaches {@code trace -f}. The console has none: there, Ctrl-C is this JVM's SIGINT.
     */
    public static final String STOP_REQUESTS = ".intercessor.stop";

    /** Decisions a follower may be behind by before they are dropped. */
    static final int FOLLOW_QUEUE = 4096;

    /** trace's parameters, described alike in each of its forms (Gogo's help lists them all). */
    private static final String TRACE_FOLLOW = "keep printing new decisions (plain continues too) until Ctrl-C";
    private static final String TRACE_MAX = "how many recent decisions to show (default 20)";
    private static final String TRACE_ID = "container id, or a prefix of exactly one attached container";

    @Reference
    private Supervision supervision;

    public Commands() {
    }

    /** For tests: what DS would inject. */
    Commands(Supervision supervision) {
        this.supervision = supervision;
    }

    @Descriptor("list the attached containers: runtime, init pid, since when, calls seen/emulated/refused/continued")
    public RecordList<ContainerInfo> containers() {
        return new RecordList<>(ContainerInfo.class, supervision.containers());
    }

    // The commands without arguments have a second form that takes what Gogo would otherwise
    // refuse with "Cannot coerce …": to say which option is unknown, and how to call them.

    @Descriptor("(refuses arguments: containers takes none)")
    public RecordList<ContainerInfo> containers(@Descriptor("(refused)") String... unexpected) {
        CommandUsage.refuseArguments("containers", unexpected);
        return containers();
    }

    @Descriptor("show one attached container: its processes, notify pids, counters and effective policy")
    public ContainerDetail container(@Descriptor("container id, or a prefix of exactly one") String id) {
        CommandUsage.refuseOptions("container", id);
        ContainerInfo info = resolve(id);
        return new ContainerDetail(info, supervision.policy(info.id()));
    }

    @Descriptor("list the registered handlers: syscalls, bundle, state (serving/partial/rejected), default, problems")
    public RecordList<HandlerInfo> handlers() {
        return new RecordList<>(HandlerInfo.class, supervision.handlers());
    }

    @Descriptor("(refuses arguments: handlers takes none)")
    public RecordList<HandlerInfo> handlers(@Descriptor("(refused)") String... unexpected) {
        CommandUsage.refuseArguments("handlers", unexpected);
        return handlers();
    }

    @Descriptor("list the options the handlers declare: key, type, default, what a value must be; "
            + "\"policy\" and the global configuration refuse any other value")
    public RecordList<OptionInfo> options() {
        return new RecordList<>(OptionInfo.class, supervision.options());
    }

    @Descriptor("(refuses arguments: options takes none)")
    public RecordList<OptionInfo> options(@Descriptor("(refused)") String... unexpected) {
        CommandUsage.refuseArguments("options", unexpected);
        return options();
    }

    // Every form takes the --reset option: Gogo prefers the overload that needs the fewest
    // conversions, and one without it would take "--reset" for a container id.

    @Descriptor("show a container's effective policy: each key, its value and where it comes from")
    public RecordList<PolicyEntry> policy(
            @Descriptor("with <id> <key>: remove the key's runtime value")
            @Parameter(names = { "-r", "--reset" }, presentValue = "true", absentValue = "false") boolean reset,
            @Descriptor("container id, or a prefix of exactly one") String id) {
        CommandUsage.refuseOptions("policy", id);
        if (reset) {
            throw new IllegalArgumentException("policy --reset " + id + ": which key? (policy --reset <id> <key>)");
        }
        return new RecordList<>(PolicyEntry.class, supervision.policy(resolve(id).id()));
    }

    @Descriptor("policy --reset <id> <key>: remove what \"policy <id> <key> <value>\" set; the next source "
            + "decides again")
    public PolicyEntry policy(
            @Descriptor("with <id> <key>: remove the key's runtime value")
            @Parameter(names = { "-r", "--reset" }, presentValue = "true", absentValue = "false") boolean reset,
            @Descriptor("container id, or a prefix of exactly one") String id,
            @Descriptor("policy key, e.g. mknod.enabled") String key) {
        CommandUsage.refuseOptions("policy", id, key);
        if (!reset) {
            throw new IllegalArgumentException("policy " + id + " " + key + ": no value given (to set one: policy "
                    + id + " " + key + " <value>; to remove a runtime value: policy --reset " + id + " " + key + ")");
        }
        String container = resolve(id).id();
        if (!supervision.resetPolicy(container, key)) {
            // Likely a mistyped key: say so rather than succeed at nothing.
            throw new NoSuchElementException(container + " has no runtime value for " + key);
        }
        return effective(container, key).orElse(null); // nothing, if no other source sets the key
    }

    @Descriptor("set a policy key for one container, above every other source, from its next call")
    public PolicyEntry policy(
            @Descriptor("with <id> <key>: remove the key's runtime value")
            @Parameter(names = { "-r", "--reset" }, presentValue = "true", absentValue = "false") boolean reset,
            @Descriptor("container id, or a prefix of exactly one") String id,
            @Descriptor("policy key, e.g. mknod.enabled") String key,
            @Descriptor("its value") String value) {
        CommandUsage.refuseOptions("policy", id, key);
        if (reset) {
            throw new IllegalArgumentException("policy --reset takes a container and a key, not a value");
        }
        String container = resolve(id).id();
        requireDeclared(key);
        supervision.setPolicy(container, key, value);
        return effective(container, key)
                .orElseThrow(() -> new IllegalStateException(container + ": " + key + " was set but is not in effect"));
    }

    @Descriptor("per handler and syscall since the supervisor started: calls, errors, latency p50/p90/p99/max in µs")
    public RecordList<SyscallStats> stats() {
        return new RecordList<>(SyscallStats.class, supervision.stats());
    }

    @Descriptor("(refuses arguments: stats takes none)")
    public RecordList<SyscallStats> stats(@Descriptor("(refused)") String... unexpected) {
        CommandUsage.refuseArguments("stats", unexpected);
        return stats();
    }

    @Descriptor("the supervisor's health checks (runtime sockets accepting, notify threads running, handlers "
            + "serving); fails, with the failing checks, if one does (intercessor health: exit status 1)")
    public RecordList<dev.intercessor.admin.HealthCheck> health() {
        List<dev.intercessor.admin.HealthCheck> checks = supervision.health();
        List<String> failing = checks.stream().filter(c -> !c.ok()).map(c -> c.name() + ": " + c.detail()).toList();
        if (!failing.isEmpty()) {
            throw new IllegalStateException("unhealthy: " + String.join("; ", failing));
        }
        return new RecordList<>(dev.intercessor.admin.HealthCheck.class, checks);
    }

    @Descriptor("(refuses arguments: health takes none)")
    public RecordList<dev.intercessor.admin.HealthCheck> health(@Descriptor("(refused)") String... unexpected) {
        CommandUsage.refuseArguments("health", unexpected);
        return health();
    }

    @Descriptor("show the recent decisions of every container, strace-like; -f: follow new ones until Ctrl-C")
    public RecordList<CallRecord> trace(CommandSession session,
            @Descriptor(TRACE_FOLLOW)
            @Parameter(names = { "-f", "--follow" }, presentValue = "true", absentValue = "false") boolean follow,
            @Descriptor(TRACE_MAX)
            @Parameter(names = { "-n", "--max" }, absentValue = "20") int max) throws Exception {
        return trace(session, follow, max, null);
    }

    @Descriptor("show the recent decisions of one container (attached or not), strace-like; -f: follow new ones "
            + "until Ctrl-C")
    public RecordList<CallRecord> trace(CommandSession session,
            @Descriptor(TRACE_FOLLOW)
            @Parameter(names = { "-f", "--follow" }, presentValue = "true", absentValue = "false") boolean follow,
            @Descriptor(TRACE_MAX)
            @Parameter(names = { "-n", "--max" }, absentValue = "20") int max,
            @Descriptor(TRACE_ID) String id) throws Exception {
        CommandUsage.refuseOptions("trace", id);
        if (max < 0) {
            throw new IllegalArgumentException("trace: -n must be 0 or more, not " + max);
        }
        // A container that is not attached (any more, or yet) is traced by its full id: its last
        // calls are still recorded, and it may attach while it is followed.
        Optional<ContainerInfo> attached = id == null ? Optional.empty() : supervision.container(id);
        String container = attached.map(ContainerInfo::id).orElse(id);
        if (!follow) {
            return new RecordList<>(CallRecord.class, supervision.recentCalls(container, max));
        }
        follow(session, container, id != null && attached.isEmpty(), max);
        return null;
    }

    @Descriptor("(refuses more than one container id, and options trace does not have)")
    public RecordList<CallRecord> trace(CommandSession session,
            @Descriptor(TRACE_FOLLOW)
            @Parameter(names = { "-f", "--follow" }, presentValue = "true", absentValue = "false") boolean follow,
            @Descriptor(TRACE_MAX) @Parameter(names = { "-n", "--max" }, absentValue = "20") int max,
            @Descriptor(TRACE_ID) String id,
            @Descriptor("(more container ids: refused)") String... more) throws Exception {
        CommandUsage.refuseOptions("trace", id);
        CommandUsage.refuseOptions("trace", more);
        if (more.length > 0) {
            throw new IllegalArgumentException("trace: one container id, not " + (more.length + 1) + " ("
                    + CommandUsage.of("trace") + ")");
        }
        return trace(session, follow, max, id);
    }

    /**
     * Prints the recent decisions, then every new one as it comes, until asked to stop (Ctrl-C in
     * the console or the remote shell, a client that went away), interrupted, or the output fails.
     */
    private void follow(CommandSession session, String container, boolean notAttached, int max) throws Exception {
        PrintStream out = System.out; // this command's output (Gogo's ThreadIO): the console, a pipe
        CallQueue queue = new CallQueue(FOLLOW_QUEUE);
        // Asked to stop, not interrupted: see StopRequests.
        AutoCloseable stopping;
        String howToStop = "Ctrl-C";
        if (session.get(STOP_REQUESTS) instanceof StopRequests remote) {
            stopping = remote.register(queue::stop);
        } else {
            ConsoleInterrupt ctrlC = ConsoleInterrupt.install(queue::stop);
            stopping = ctrlC != null ? ctrlC : () -> { };
            howToStop = ctrlC != null ? "Ctrl-C" : "interrupt";
        }
        // Follow first, then read the recent ones: a call answered in between is in both, not lost.
        try (stopping; AutoCloseable following = supervision.follow(container, queue)) {
            List<CallRecord> recent = supervision.recentCalls(container, max);
            Set<CallRecord> shown = new HashSet<>(recent);
            StringBuilder text = new StringBuilder();
            recent.forEach(call -> text.append(LogText.escape(call.toString())).append('\n'));
            out.print(text);
            text.setLength(0);
            System.err.println("following " + (container == null ? "every container" : container)
                    + (notAttached ? " (not attached now)" : "") + " (" + howToStop + " to stop)");
            List<CallRecord> batch = new ArrayList<>();
            // checkError flushes: output that has failed (a pipe closed) ends it too.
            while (!queue.stopped() && !out.checkError()) {
                try {
                    queue.take(batch, 256, 1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                for (CallRecord call : batch) {
                    if (shown.isEmpty() || !shown.remove(call)) {
                        text.append(LogText.escape(call.toString())).append('\n');
                    }
                }
                batch.clear();
                long dropped = queue.takeDropped();
                if (dropped > 0) {
                    text.append('(').append(dropped)
                            .append(" decisions not shown: they came faster than they could be printed)\n");
                }
                if (text.length() > 0) {
                    out.print(text); // one write for the batch, not one per line
                    text.setLength(0);
                }
            }
        }
    }

    /**
     * A key no registered handler declares would be set and read by nobody: usually a typing
     * mistake ({@code mknod.enabeld}), refused with the keys there are.
     */
    private void requireDeclared(String key) {
        List<OptionInfo> options = supervision.options();
        int dot = key.indexOf('.');
        if (dot <= 0 || options.stream().anyMatch(o -> o.key().equals(key))) {
            return; // a malformed key: the core says what a key looks like
        }
        String handler = key.substring(0, dot);
        List<String> ofHandler = options.stream().map(OptionInfo::key).filter(k -> k.startsWith(handler + "."))
                .sorted().toList();
        String why = !ofHandler.isEmpty() ? "handler " + handler + " has no such option (its keys: "
                + String.join(", ", ofHandler) + ")"
                : "no registered handler is named " + handler + " (handlers: " + String.join(", ", options.stream()
                        .map(o -> o.key().substring(0, Math.max(0, o.key().indexOf('.')))).distinct().sorted().toList())
                        + ")";
        throw new IllegalArgumentException("policy: unknown key " + key + ": " + why
                + "; nothing changed (\"options\" lists every key)");
    }

    private ContainerInfo resolve(String id) {
        return supervision.container(id).orElseThrow(() -> new NoSuchElementException("no attached container " + id));
    }

    private Optional<PolicyEntry> effective(String container, String key) {
        return supervision.policy(container).stream().filter(e -> e.key().equals(key)).findFirst();
    }
}
