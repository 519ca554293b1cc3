package dev.intercessor.handler.sysinfo;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.CgroupDirectory;
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

    private static final Logger LOG = System.getLogger("dev.intercessor.handler.sysinfo");
    private static final Path PROC = Path.of("/proc");
    /** USER_HZ: /proc/<pid>/stat counts start times in these ticks on every architecture. */
    private static final double TICKS_PER_SECOND = 100.0;

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        // struct sysinfo is laid out for the 64-bit ABIs only; a compat caller gets the kernel's.
        if (!call.arch().equals("x86_64") && !call.arch().equals("aarch64")) {
            return Response.continueSyscall();
        }
        Optional<CgroupDirectory> memory = target.cgroup("memory");
        if (memory.isEmpty()) {
            return Response.continueSyscall(); // no memory cgroup: the host's figures are the truth
        }
        SysinfoStruct info;
        try {
            info = ContainerSysinfo.compute(HostFigures.read(PROC), CgroupMemory.read(memory.get()),
                    tasks(target, memory.get()), startSeconds(target.containerInitPid()));
        } catch (IOException | RuntimeException e) {
            // The cgroup went away or reads oddly: let the kernel answer rather than fail the call.
            LOG.log(Level.WARNING, () -> call.containerId() + " " + call.pid()
                    + " sysinfo: cannot read the container's cgroup, answering the host's figures: " + e);
            return Response.continueSyscall();
        }
        target.write(call.arg(0), info.encode());
        return Response.value(0);
    }

    /** Tasks in the container: its pids cgroup counts them all, else its memory cgroup's own. */
    private static long tasks(Target target, CgroupDirectory memory) throws SyscallException, IOException {
        Optional<CgroupDirectory> pids = target.cgroup("pids");
        if (pids.isPresent() && Files.exists(pids.get().path().resolve("pids.current"))) {
            return CgroupMemory.number(pids.get().path().resolve("pids.current"));
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
