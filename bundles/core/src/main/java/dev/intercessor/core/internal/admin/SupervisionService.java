package dev.intercessor.core.internal.admin;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.OptionInfo;
import dev.intercessor.admin.PolicyEntry;
import dev.intercessor.admin.Supervision;
import dev.intercessor.admin.SyscallStats;
import dev.intercessor.core.internal.Supervisor;
import dev.intercessor.core.internal.dispatch.HandlerBinding;
import dev.intercessor.core.internal.dispatch.HandlerRegistry;
import dev.intercessor.core.internal.dispatch.NotifyChannel;
import dev.intercessor.core.internal.dispatch.Session;
import dev.intercessor.core.internal.policy.ContainerPolicy;

/** The running supervisor as operators see it (the shell commands use this). */
@Component(service = Supervision.class)
public class SupervisionService implements Supervision {

    @Reference
    private Supervisor supervisor;

    @Override
    public List<ContainerInfo> containers() {
        return supervisor.sessions().stream()
                .sorted(Comparator.comparing(Session::attachedSince).thenComparing(Session::containerId))
                .map(s -> info(s, List.of()))
                .toList();
    }

    @Override
    public Optional<ContainerInfo> container(String id) {
        Session s = find(id);
        return s == null ? Optional.empty() : Optional.of(info(s, processes(s.initPid())));
    }

    private static ContainerInfo info(Session s, List<Integer> processes) {
        return new ContainerInfo(s.containerId(), s.runtimeVersion(), s.initPid(),
                s.channels().stream().map(NotifyChannel::pid).toList(), processes, s.attachedSince(),
                s.seen(), s.emulated(), s.refused(), s.continued());
    }

    /** @return the session {@code id} names: the id itself or a prefix of exactly one, else null */
    private Session find(String id) {
        if (id == null || id.isEmpty()) {
            return null;
        }
        Session exact = supervisor.session(id);
        if (exact != null) {
            return exact;
        }
        List<Session> matches = supervisor.sessions().stream()
                .filter(s -> s.containerId().startsWith(id)).toList();
        if (matches.size() > 1) {
            throw new IllegalArgumentException("'" + id + "' names " + matches.size() + " containers: "
                    + matches.stream().map(Session::containerId).sorted().toList());
        }
        return matches.isEmpty() ? null : matches.get(0);
    }

    private Session require(String id) {
        Session s = find(id);
        if (s == null) {
            throw new NoSuchElementException("no attached container " + id);
        }
        return s;
    }

    /** @return the host pids in the pid namespace of {@code initPid}, ascending */
    static List<Integer> processes(int initPid) {
        List<Integer> pids = new ArrayList<>();
        Path ns;
        try {
            ns = Files.readSymbolicLink(Path.of("/proc", Integer.toString(initPid), "ns", "pid"));
        } catch (IOException e) {
            return pids; // the init has exited
        }
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : proc) {
                try {
                    if (ns.equals(Files.readSymbolicLink(p.resolve("ns/pid")))) {
                        pids.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException | NumberFormatException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            return pids;
        }
        pids.sort(null);
        return pids;
    }

    @Override
    public List<HandlerInfo> handlers() {
        HandlerRegistry registry = supervisor.handlers();
        List<HandlerInfo> out = new ArrayList<>();
        for (HandlerBinding b : registry.bindings()) {
            List<String> serving = registry.serving(b);
            List<String> problems = registry.rejections().stream()
                    .filter(r -> r.binding() == b).map(HandlerRegistry.Rejection::reason).toList();
            out.add(new HandlerInfo(b.name(), b.syscalls(), b.bundle(), b.serviceId(), b.ranking(),
                    b.enabledByDefault(), b.unsafe(), serving, problems));
        }
        out.sort(Comparator.comparing((HandlerInfo h) -> h.name() == null ? "" : h.name())
                .thenComparingLong(HandlerInfo::serviceId));
        return out;
    }

    @Override
    public List<OptionInfo> options() {
        return new TreeMap<>(supervisor.options().options()).values().stream()
                .map(o -> new OptionInfo(o.key(), o.type().name().toLowerCase(Locale.ROOT), o.defaultText(),
                        o.accepts(), o.description()))
                .toList();
    }

    @Override
    public List<PolicyEntry> policy(String id) {
        ContainerPolicy policy = require(id).policy();
        Map<String, String> defaults = new java.util.HashMap<>();
        supervisor.options().options().forEach((key, option) -> defaults.put(key, option.defaultText()));
        Map<String, PolicyEntry> entries = new TreeMap<>();
        policy.effective(defaults).forEach((key, v) -> entries.put(key,
                new PolicyEntry(key, v.value(), v.source(), v.bound(), v.boundSource())));
        return List.copyOf(entries.values());
    }

    @Override
    public void setPolicy(String id, String key, String value) {
        require(id).policy().set(key, value);
    }

    @Override
    public boolean resetPolicy(String id, String key) {
        return require(id).policy().reset(key);
    }

    @Override
    public List<SyscallStats> stats() {
        return supervisor.calls().stats();
    }

    @Override
    public dev.intercessor.admin.SupervisorMetrics metrics() {
        return supervisor.metrics();
    }

    @Override
    public List<dev.intercessor.admin.HealthCheck> health() {
        return supervisor.health();
    }

    @Override
    public List<CallRecord> recentCalls(String id, int max) {
        return supervisor.calls().recent(containerId(id), Math.max(0, max));
    }

    @Override
    public AutoCloseable follow(String id, Consumer<CallRecord> listener) {
        return supervisor.calls().follow(containerId(id), listener);
    }

    /** An attached container's full id for a prefix; else the id as given (one that has gone). */
    private String containerId(String id) {
        Session s = find(id);
        return s != null ? s.containerId() : id == null || id.isEmpty() ? null : id;
    }
}
