package dev.intercessor.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.OptionInfo;
import dev.intercessor.admin.PolicyEntry;
import dev.intercessor.admin.HealthCheck;
import dev.intercessor.admin.SyscallStats;
import dev.intercessor.logging.LogText;

/**
 * The admin records as text, at Gogo's three levels: {@code inspect} (a table for a list, every
 * detail for one record), {@code line} (one record on one line) and {@code part} (a record named
 * inside a line).
 */
final class AdminText {

    /** Gogo's {@code Converter.INSPECT}, {@code LINE} and {@code PART}. */
    static final int INSPECT = 0;
    static final int LINE = 1;
    static final int PART = 2;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private final ZoneId zone;
    private final Instant now;

    /** @param now ages ("for 3m 12s") are counted up to this */
    AdminText(ZoneId zone, Instant now) {
        this.zone = zone;
        this.now = now;
    }

    static AdminText local() {
        return new AdminText(ZoneId.systemDefault(), Instant.now());
    }

    /**
     * @return {@code target} as text, or {@code null} if it is nothing this class knows; what a
     *         container chose shows with its control characters escaped ({@link LogText}):
     *         in a table cell by cell, a line as a whole
     */
    CharSequence format(Object target, int level) {
        if (level == INSPECT) {
            CharSequence table = table(target);
            if (table != null) {
                return table;
            }
        }
        String line = line(target, level);
        return line == null ? null : LogText.escape(line);
    }

    /** @return a list as a table, one record with every detail; {@code null} for the rest */
    private CharSequence table(Object target) {
        if (target instanceof RecordList<?> list) {
            return table(list.type(), list);
        }
        if (target instanceof Collection<?> c) {
            Class<?> type = commonType(c);
            return type == null ? null : table(type, c);
        }
        if (target instanceof ContainerDetail d) {
            return container(d);
        }
        if (target instanceof ContainerInfo c) {
            return container(c);
        }
        if (target instanceof HandlerInfo h) {
            return handler(h);
        }
        return null;
    }

    /** @return one record on one line ({@code LINE}, and {@code INSPECT} of the small ones) or as a part */
    private String line(Object target, int level) {
        if (target instanceof ContainerDetail d) {
            return line(d.info(), level);
        }
        if (target instanceof ContainerInfo c) {
            return level == PART ? c.id() : line(c);
        }
        if (target instanceof HandlerInfo h) {
            return level == PART ? name(h.name()) : line(h);
        }
        if (target instanceof PolicyEntry p) {
            return level == PART ? p.key() + "=" + p.value() : line(p);
        }
        if (target instanceof OptionInfo o) {
            return level == PART ? o.key() : line(o);
        }
        if (target instanceof SyscallStats s) {
            return level == PART ? name(s.handler()) + "/" + s.syscall() : line(s);
        }
        if (target instanceof CallRecord r) {
            return r.toString();
        }
        if (target instanceof HealthCheck h) {
            return h.name() + ": " + (h.ok() ? "ok" : "FAILING") + ", " + h.detail();
        }
        return null;
    }

    /** @return the one admin record class every element is, or {@code null} */
    private static Class<?> commonType(Collection<?> c) {
        if (c.isEmpty()) {
            return null;
        }
        for (Class<?> type : List.of(ContainerInfo.class, HandlerInfo.class, PolicyEntry.class, OptionInfo.class,
                SyscallStats.class, CallRecord.class, HealthCheck.class)) {
            if (c.stream().allMatch(type::isInstance)) {
                return type;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    String table(Class<?> type, Collection<?> items) {
        if (type == ContainerInfo.class) {
            return containers((Collection<ContainerInfo>) items);
        }
        if (type == HandlerInfo.class) {
            return handlers((Collection<HandlerInfo>) items);
        }
        if (type == PolicyEntry.class) {
            return policy((Collection<PolicyEntry>) items);
        }
        if (type == OptionInfo.class) {
            return options((Collection<OptionInfo>) items);
        }
        if (type == SyscallStats.class) {
            return stats((Collection<SyscallStats>) items);
        }
        if (type == CallRecord.class) {
            return calls((Collection<CallRecord>) items);
        }
        if (type == HealthCheck.class) {
            TextTable table = new TextTable().left("CHECK").left("STATE").left("DETAIL");
            for (HealthCheck h : (Collection<HealthCheck>) items) {
                table.row(h.name(), h.ok() ? "ok" : "FAILING", h.detail());
            }
            return table.toString();
        }
        return null;
    }

    // --- containers ---------------------------------------------------------------------------

    String containers(Collection<ContainerInfo> containers) {
        if (containers.isEmpty()) {
            return "no attached containers";
        }
        TextTable table = new TextTable().left("ID").left("RUNTIME").right("INIT").left("ATTACHED")
                .right("SEEN").right("EMULATED").right("REFUSED").right("CONTINUED");
        for (ContainerInfo c : containers) {
            table.row(c.id(), dash(c.runtime()), c.initPid(), time(c.attachedSince()), c.seen(), c.emulated(),
                    c.refused(), c.continued());
        }
        return table.toString();
    }

    String line(ContainerInfo c) {
        return c.id() + " runtime " + dash(c.runtime()) + " init " + c.initPid() + " attached "
                + time(c.attachedSince()) + ": " + counters(c);
    }

    String container(ContainerInfo c) {
        return fields(c).toString();
    }

    String container(ContainerDetail d) {
        StringBuilder out = fields(d.info());
        out.append("\n\n").append(policy(d.policy()));
        return out.toString();
    }

    private StringBuilder fields(ContainerInfo c) {
        TextTable fields = new TextTable().left("container").left(c.id());
        fields.row("runtime", dash(c.runtime()));
        fields.row("init pid", c.initPid());
        fields.row("notify pids", pids(c.notifyPids()));
        fields.row("processes", c.processes().isEmpty() ? "-" : pids(c.processes()));
        fields.row("attached", c.attachedSince() == null ? "-"
                : time(c.attachedSince()) + " (for " + age(c.attachedSince()) + ")");
        fields.row("calls", counters(c));
        return new StringBuilder(fields.toString());
    }

    private static String counters(ContainerInfo c) {
        return "seen " + c.seen() + ", emulated " + c.emulated() + ", refused " + c.refused() + ", continued "
                + c.continued();
    }

    private static String pids(List<Integer> pids) {
        return pids.stream().map(String::valueOf).collect(Collectors.joining(" "));
    }

    // --- handlers -----------------------------------------------------------------------------

    String handlers(Collection<HandlerInfo> handlers) {
        if (handlers.isEmpty()) {
            return "no handlers registered";
        }
        TextTable table = new TextTable().left("HANDLER").left("SYSCALLS").left("BUNDLE").left("STATE")
                .left("DEFAULT").left("UNSAFE").left("PROBLEMS");
        for (HandlerInfo h : handlers) {
            table.row(name(h.name()), String.join(",", h.syscalls()), h.bundle(), h.state(),
                    h.enabledByDefault() ? "on" : "off", h.unsafe() ? "unsafe" : "-", problems(h));
        }
        return table.toString();
    }

    String line(HandlerInfo h) {
        return name(h.name()) + " " + h.syscalls() + " " + h.bundle() + ": " + h.state() + ", "
                + (h.enabledByDefault() ? "on" : "off") + " by default" + (h.unsafe() ? ", unsafe" : "")
                + (h.problems().isEmpty() ? "" : ": " + problems(h));
    }

    String handler(HandlerInfo h) {
        TextTable fields = new TextTable().left("handler").left(name(h.name()));
        fields.row("state", h.state());
        fields.row("syscalls", String.join(" ", h.syscalls()));
        fields.row("serving", h.serving().isEmpty() ? "-" : String.join(" ", h.serving()));
        fields.row("bundle", h.bundle());
        fields.row("service", "id " + h.serviceId() + ", ranking " + h.ranking());
        fields.row("by default", h.enabledByDefault() ? "on" : "off");
        fields.row("unsafe", h.unsafe() ? "yes" : "no");
        fields.row("problems", problems(h));
        return fields.toString();
    }

    private static String problems(HandlerInfo h) {
        return h.problems().isEmpty() ? "-" : String.join("; ", h.problems());
    }

    private static String name(String handler) {
        return handler == null ? "(none)" : handler;
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    // --- policy -------------------------------------------------------------------------------

    String policy(Collection<PolicyEntry> entries) {
        if (entries.isEmpty()) {
            return "no policy keys";
        }
        TextTable table = new TextTable().left("KEY").left("VALUE").left("SOURCE").left("BOUND")
                .left("BOUND BY");
        for (PolicyEntry e : entries) {
            table.row(e.key(), dash(e.value()), source(e.source()), e.bound() == null ? "(none)" : dash(e.bound()),
                    source(e.boundSource()));
        }
        return table.toString();
    }

    /** "key = value (source)", and the bound where a container's own request was held to one. */
    static String line(PolicyEntry e) {
        String bound = (e.source() == PolicyEntry.Source.ANNOTATION || e.source() == PolicyEntry.Source.METADATA)
                && e.bound() != null ? ", bound " + e.bound() + " (" + source(e.boundSource()) + ")" : "";
        return e.key() + " = " + dash(e.value()) + " (" + source(e.source()) + bound + ")";
    }

    private static String source(PolicyEntry.Source source) {
        return source == null ? "-" : source.name().toLowerCase(Locale.ROOT);
    }

    // --- options ------------------------------------------------------------------------------

    String options(Collection<OptionInfo> options) {
        if (options.isEmpty()) {
            return "no options: no handlers registered";
        }
        TextTable table = new TextTable().left("KEY").left("TYPE").left("DEFAULT").left("ACCEPTS").left("DESCRIPTION");
        for (OptionInfo o : options) {
            table.row(o.key(), o.type(), o.defaultValue().isEmpty() ? "\"\"" : o.defaultValue(), o.accepts(),
                    o.description());
        }
        return table.toString();
    }

    static String line(OptionInfo o) {
        return o.key() + " (" + o.type() + ", default \"" + o.defaultValue() + "\"): " + o.accepts() + "; "
                + o.description();
    }

    // --- stats --------------------------------------------------------------------------------

    String stats(Collection<SyscallStats> stats) {
        if (stats.isEmpty()) {
            return "no calls answered yet";
        }
        TextTable table = new TextTable().left("HANDLER").left("SYSCALL").right("CALLS").right("ERRORS")
                .right("P50 µs").right("P90 µs").right("P99 µs").right("MAX µs");
        for (SyscallStats s : stats) {
            table.row(name(s.handler()), s.syscall(), s.count(), s.errors(), percentile(s, s.p50Nanos()),
                    percentile(s, s.p90Nanos()), percentile(s, s.p99Nanos()), percentile(s, s.maxNanos()));
        }
        return table.toString();
    }

    static String line(SyscallStats s) {
        return name(s.handler()) + " " + s.syscall() + ": " + s.count() + " calls, " + s.errors() + " errors, p50 "
                + percentile(s, s.p50Nanos()) + "µs, p90 " + percentile(s, s.p90Nanos()) + "µs, p99 "
                + percentile(s, s.p99Nanos()) + "µs, max " + percentile(s, s.maxNanos()) + "µs";
    }

    /**
     * A percentile is a histogram bucket's representative value, about 6 % off: near the top it
     * can come out above the exact maximum, which no percentile can be. Plain continues are timed
     * one in 16: a few of them may have no time at all ({@code -}).
     */
    private static String percentile(SyscallStats s, long nanos) {
        return s.maxNanos() <= 0 ? "-" : micros(Math.min(nanos, s.maxNanos()));
    }

    /** @return microseconds, with one decimal below 10 (as {@link CallRecord} prints them) */
    static String micros(long nanos) {
        return nanos < 10_000 ? String.format(Locale.ROOT, "%.1f", nanos / 1000.0) : Long.toString(nanos / 1000);
    }

    // --- calls --------------------------------------------------------------------------------

    static String calls(Collection<CallRecord> calls) {
        if (calls.isEmpty()) {
            return "no calls recorded";
        }
        return calls.stream().map(c -> LogText.escape(c.toString())).collect(Collectors.joining("\n"));
    }

    // --- time ---------------------------------------------------------------------------------

    String time(Instant t) {
        return t == null ? "-" : TIME.format(t.atZone(zone));
    }

    /** @return how long ago {@code t} was, e.g. {@code 45s}, {@code 3m 12s}, {@code 2h 05m}, {@code 3d 4h} */
    String age(Instant t) {
        long s = Math.max(0, Duration.between(t, now).getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m " + s % 60 + "s";
        }
        if (s < 86400) {
            return String.format(Locale.ROOT, "%dh %02dm", s / 3600, s % 3600 / 60);
        }
        return s / 86400 + "d " + s % 86400 / 3600 + "h";
    }
}
