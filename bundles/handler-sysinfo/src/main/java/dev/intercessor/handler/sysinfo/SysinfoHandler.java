package dev.intercessor.handler.sysinfo;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.HandlerProperties;
import dev.intercessor.api.Notification;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.api.Target;

/**
 * {@code sysinfo(2)} answered from the container's cgroup, so that {@code free} and runtimes that
 * size their heaps from {@code sysinfo()} see the container's memory, not the host's.
 */
@Component
@HandlerProperties(handler = "sysinfo", syscalls = {"sysinfo"}, enabled_default = true)
public class SysinfoHandler implements SyscallHandler {

    /** An absolute path whose components never start with a dot. */
    private static final String PATH = "(/[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*)+";

    /**
     * Where LXCFS is mounted on the host. When a container attaches, the core mounts LXCFS's files
     * for it over its {@code /proc/meminfo}, {@code uptime}, {@code loadavg}… (the core's
     * {@code LxcfsViews}); this handler already computes sysinfo as LXCFS computes those files
     * (memory from the cgroup, uptime from the container's init, the host's loads), so both agree.
     * Path components never start with a dot (no {@code ..}). The operator's bound may list several
     * ({@code bound.sysinfo.lxcfs=/a,/b}: the paths a container may pick), each checked alone.
     */
    static final HandlerOption<String> LXCFS = HandlerOption.text("sysinfo.lxcfs", "",
            Pattern.compile("(" + PATH + ")?"), 1024,
            "LXCFS's mount point on the host (e.g. /var/lib/lxcfs): its per-container /proc and /sys files are "
                    + "mounted over the container's when it attaches, so /proc agrees with sysinfo; empty: none");

    @Override
    public List<HandlerOption<?>> options() {
        return List.of(LXCFS);
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.handler.sysinfo");
    private static final Path PROC = Path.of("/proc");
    /** The procfs callers' files are read from (a test's own tree in unit tests). */
    Path proc = PROC;
    /** USER_HZ: /proc/<pid>/stat counts start times in these ticks on every architecture. */
    private static final double TICKS_PER_SECOND = 100.0;

    /**
     * Cgroup files cost about 10 µs each to read here, more than the whole round trip of a trapped
     * call: figures are re-read when they are older than these (the kernel's own load averages are
     * 5 s old), so a caller calling sysinfo() in a loop costs one memory copy per call.
     */
    private static final long LIMITS_TTL = 1_000_000_000L;
    private static final long USAGE_TTL = 100_000_000L;
    private static final int MAX_CACHED = 1024;

    /** Which cgroups one caller is in. */
    private record CallerKey(String containerId, int pid) {
    }

    /**
     * @param bootOffset the boot-time offset of the caller's time namespace, ns
     * @param last       the last answer it got
     */
    private record CallerCgroups(Optional<CgroupDirectory> memory, Optional<CgroupDirectory> pids, long bootOffset,
            long readAt, AtomicReference<Answer> last) {
    }

    /**
     * An answer, kept while what it was made of holds: the same figures (re-read at most every
     * 100 ms) and the same uptime second. A caller calling sysinfo() in a loop then costs a copy.
     */
    private record Answer(CgroupState state, HostClock host, long uptime, byte[] bytes) {
    }

    /** What was read about one memory cgroup, and when. */
    private record CgroupState(CgroupMemory memory, long tasks, int initPid, double initStart,
            long limitsReadAt, long usageReadAt) {
    }

    /** The host's figures, re-read once a second; uptime advances with the monotonic clock. */
    private record HostClock(HostFigures figures, long readAt) {
        double uptimeAt(long now) {
            return figures.uptimeSeconds() + (now - readAt) / 1e9;
        }

        HostFigures at(long now) {
            return new HostFigures(figures.memTotal(), figures.memFree(), figures.shmem(), figures.buffers(),
                    figures.swapTotal(), figures.swapFree(), figures.loads(), uptimeAt(now));
        }
    }

    private final ConcurrentHashMap<CallerKey, CallerCgroups> callers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Path, CgroupState> cgroups = new ConcurrentHashMap<>();
    private volatile HostClock host;

    private HostClock host(long now) throws IOException {
        HostClock h = host;
        if (h == null || now - h.readAt() > LIMITS_TTL) {
            h = new HostClock(HostFigures.read(PROC), now);
            host = h;
        }
        return h;
    }

    private CallerCgroups cgroupsOf(Notification call, Target target, long now) throws SyscallException, IOException {
        CallerKey key = new CallerKey(call.containerId(), call.pid());
        CallerCgroups c = callers.get(key);
        if (c == null || now - c.readAt() > LIMITS_TTL) {
            if (callers.size() >= MAX_CACHED) {
                callers.clear(); // callers come and go: forget them all rather than track age
            }
            c = new CallerCgroups(target.cgroup("memory"), target.cgroup("pids"),
                    BootTimeOffset.of(proc, target, call.pid()), now, new AtomicReference<>());
            callers.put(key, c);
        }
        return c;
    }

    private CgroupState state(CallerCgroups caller, int initPid, long now) throws IOException {
        CgroupDirectory memory = caller.memory().get();
        CgroupState s = cgroups.get(memory.path());
        if (s == null || now - s.limitsReadAt() > LIMITS_TTL || s.initPid() != initPid) {
            if (cgroups.size() >= MAX_CACHED) {
                cgroups.clear();
            }
            s = new CgroupState(CgroupMemory.read(memory), tasks(caller), initPid, startSeconds(initPid), now, now);
        } else if (now - s.usageReadAt() > USAGE_TTL) {
            s = new CgroupState(s.memory().withCurrentUsage(memory), tasks(caller), initPid, s.initStart(),
                    s.limitsReadAt(), now);
        } else {
            return s;
        }
        cgroups.put(memory.path(), s);
        return s;
    }

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        // struct sysinfo is laid out for the 64-bit ABIs only; a compat caller gets the kernel's.
        if (!call.arch().equals("x86_64") && !call.arch().equals("aarch64")) {
            return Response.continueSyscall();
        }
        long now = System.nanoTime();
        byte[] answer;
        try {
            CallerCgroups caller = cgroupsOf(call, target, now);
            if (caller.memory().isEmpty()) {
                return Response.continueSyscall(); // no memory cgroup: the host's figures are the truth
            }
            CgroupState state = state(caller, target.containerInitPid(), now);
            HostClock host = host(now);
            long uptime = ContainerSysinfo.uptime(host.uptimeAt(now), state.initStart(), caller.bootOffset());
            Answer last = caller.last().get();
            if (last != null && last.state() == state && last.host() == host && last.uptime() == uptime) {
                answer = last.bytes();
            } else {
                answer = ContainerSysinfo.compute(host.at(now), state.memory(), state.tasks(), state.initStart(),
                        caller.bootOffset()).encode();
                caller.last().set(new Answer(state, host, uptime, answer));
            }
        } catch (IOException | RuntimeException e) {
            // The cgroup went away or reads oddly: let the kernel answer rather than fail the call.
            LOG.log(Level.WARNING, () -> call.containerId() + " " + call.pid()
                    + " sysinfo: cannot read the container's cgroup, answering the host's figures: " + e);
            return Response.continueSyscall();
        }
        target.write(call.arg(0), answer); // read, never changed: it may be the kept answer
        return Response.value(0);
    }

    /** Tasks in the container: its pids cgroup counts them all, else its memory cgroup's own. */
    private static long tasks(CallerCgroups caller) throws IOException {
        Optional<CgroupDirectory> pids = caller.pids();
        CgroupDirectory memory = caller.memory().get();
        if (pids.isPresent()) {
            long current = CgroupMemory.number(pids.get().path().resolve("pids.current"));
            if (current > 0) {
                return current; // 0: no such file (there is always at least the caller)
            }
        }
        Path list = memory.path().resolve(memory.version() == 1 ? "tasks" : "cgroup.threads");
        try (var lines = Files.lines(list)) {
            return lines.filter(l -> !l.isBlank()).count();
        }
    }

    /** @return when {@code pid} started, in seconds since boot; 0 if unknown */
    static double startSeconds(int pid) throws IOException {
        if (pid <= 0) {
            return 0;
        }
        String stat = Files.readString(PROC.resolve(Integer.toString(pid)).resolve("stat"));
        // Fields after the command name, which is in parentheses and may hold anything.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[19]) / TICKS_PER_SECOND; // field 22: starttime
    }
}
