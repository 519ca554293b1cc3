package dev.intercessor.handler.bpf;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.intercessor.api.Bpf;
import dev.intercessor.api.CallerFd;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.HandlerProperties;
import dev.intercessor.api.Notification;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.api.Target;

/**
 * {@code bpf()} for container managers that restrict device access with
 * {@code BPF_PROG_TYPE_CGROUP_DEVICE} programs (systemd, nested runtimes), which the kernel refuses
 * to a user namespace. Off unless a container asks ({@code bpf.enabled=true}).
 *
 * <ul>
 * <li>{@code BPF_PROG_LOAD} of a device program: loaded by the supervisor after
 * {@link DeviceProgram#check} (no helper calls, no maps), its fd injected into the caller, the
 * verifier log copied back. The {@link Bpf} service loads it with CAP_BPF and CAP_NET_ADMIN only,
 * so the verifier applies its unprivileged rules, and, where the caller's memory cgroup is a
 * cgroup v1 one, charges its kernel memory there. At most {@code bpf.maxPrograms} (default
 * {@value #DEFAULT_MAX_PROGRAMS}) such programs per container are loaded at a time; past that a
 * load fails with {@code EPERM}, as the kernel's own limit on a user's locked memory did for bpf
 * ({@code ENOSPC} would read as a verifier log too small).</li>
 * <li>{@code BPF_PROG_ATTACH}/{@code DETACH} with {@code BPF_CGROUP_DEVICE}: only with
 * {@code BPF_F_ALLOW_MULTI}, only to the container's own cgroup v2 directory or one below it.
 * The kernel runs every program from the root of the hierarchy down, so such a program can only
 * narrow what the host allows.</li>
 * </ul>
 * Only container root is served; every other command, program type or caller gets the kernel's
 * answer ({@code EPERM} to a user namespace). A caller's {@code bpf_attr} that is unreadable or
 * too large also goes to the kernel, which answers as it would ({@code EFAULT}, {@code E2BIG}).
 *
 * <p>The same for a compat caller (x86, x32, arm): {@code union bpf_attr} is laid out alike on every
 * ABI, its pointers 64-bit fields the kernel reads as they are.
 */
@Component
@HandlerProperties(handler = "bpf", syscalls = "bpf", enabled_default = false)
public class BpfHandler implements SyscallHandler {

    private static final Logger LOG = System.getLogger("dev.intercessor.handler.bpf");

    static final int BPF_PROG_LOAD = 5;
    static final int BPF_PROG_ATTACH = 8;
    static final int BPF_PROG_DETACH = 9;
    /** The fields this handler knows (up to {@code fd_array_cnt}); a caller's larger attr must be zero beyond. */
    static final int KNOWN_ATTR = 152;
    /** The kernel refuses a larger attr ({@code E2BIG}); so does this handler, by leaving it to the kernel. */
    static final int PAGE = 4096;
    /** The kernel's own bound on a license string. */
    private static final int LICENSE_MAX = 127;
    static final int DEFAULT_MAX_PROGRAMS = 64;
    static final HandlerOption<Long> MAX_PROGRAMS = HandlerOption.number("bpf.maxPrograms", DEFAULT_MAX_PROGRAMS,
            0, 4096, "device programs one container may have loaded at once; a load beyond fails with EPERM");
    /** Containers counted before the table of loaded programs is first swept of stale ones. */
    private static final int SWEEP_CONTAINERS = 256;

    @Reference
    private Bpf bpf;

    private final LoadedPrograms programs = new LoadedPrograms(id -> bpf.isLoaded(id), SWEEP_CONTAINERS);

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        int cmd = (int) call.arg(0);
        if (cmd != BPF_PROG_LOAD && cmd != BPF_PROG_ATTACH && cmd != BPF_PROG_DETACH) {
            return Response.continueSyscall();
        }
        Optional<ByteBuffer> read = readAttr(target, call.arg(1), call.arg(2));
        if (read.isEmpty()) {
            return Response.continueSyscall(); // the kernel gives its errno for a bad attr
        }
        ByteBuffer attr = read.get();
        if (target.containerUid(target.credentials().euid()) != 0) {
            return Response.continueSyscall();
        }
        if (cmd == BPF_PROG_LOAD) {
            return attr.getInt(0) == Bpf.PROG_TYPE_CGROUP_DEVICE && onlyKnownLoadFields(attr)
                    ? load(call, target, policy, attr) : Response.continueSyscall();
        }
        if (attr.getInt(8) != Bpf.CGROUP_DEVICE) {
            return Response.continueSyscall();
        }
        return attachOrDetach(cmd, call, target, attr);
    }

    /**
     * The caller's attr as the kernel would take it: at most {@link #PAGE} bytes, the part
     * beyond what this handler knows all zero; fields beyond the caller's size read as zero.
     *
     * @return empty when the kernel itself would refuse it (unreadable, too large, unknown fields)
     */
    static Optional<ByteBuffer> readAttr(Target target, long address, long sizeArg) throws SyscallException {
        long size = sizeArg & 0xffffffffL;
        if (size > PAGE || address == 0) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = target.read(address, (int) size);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EFAULT) {
                return Optional.empty();
            }
            throw e;
        }
        for (int i = KNOWN_ATTR; i < raw.length; i++) {
            if (raw[i] != 0) {
                return Optional.empty();
            }
        }
        return Optional.of(ByteBuffer.wrap(Arrays.copyOf(raw, KNOWN_ATTR)).order(ByteOrder.nativeOrder()));
    }

    /** Everything of BPF_PROG_LOAD this handler does not carry over must be unset. */
    static boolean onlyKnownLoadFields(ByteBuffer a) {
        int expectedAttachType = a.getInt(68);
        if (a.getInt(44) != 0 || a.getInt(64) != 0 // prog_flags, prog_ifindex
                || (expectedAttachType != 0 && expectedAttachType != Bpf.CGROUP_DEVICE)) {
            return false;
        }
        for (int off = 72; off < KNOWN_ATTR; off += 4) { // BTF, func/line info, relocations, fd_array, token
            if (off != 140 && a.getInt(off) != 0) { // 140: log_true_size, written by the kernel
                return false;
            }
        }
        return true;
    }

    private Response load(Notification call, Target target, Policy policy, ByteBuffer a) throws SyscallException {
        int count = a.getInt(4);
        if (count == 0) {
            throw new SyscallException(Errno.EINVAL, "no instructions");
        }
        if (count < 0 || count > DeviceProgram.MAX_INSNS) {
            throw new SyscallException(Errno.E2BIG, "more than " + DeviceProgram.MAX_INSNS + " instructions");
        }
        byte[] insns = target.read(a.getLong(8), count * 8);
        String license = license(target, a.getLong(16));
        int logLevel = a.getInt(24);
        int logSize = a.getInt(28);
        long logBuf = a.getLong(32);
        if (logLevel == 0 ? logBuf != 0 || logSize != 0 : logBuf == 0 || Integer.compareUnsigned(logSize, 128) < 0) {
            throw new SyscallException(Errno.EINVAL, "inconsistent log level, size and buffer");
        }
        DeviceProgram.check(insns);
        byte[] nameField = new byte[16];
        a.get(48, nameField);
        int nameLength = 0;
        while (nameLength < 16 && nameField[nameLength] != 0) {
            nameLength++;
        }
        // A log larger than the supervisor holds is cut: the kernel says ENOSPC, as for any full log.
        int held = logLevel == 0 ? 0 : (int) Math.min(Integer.toUnsignedLong(logSize), 1 << 20);
        Bpf.Program program = new Bpf.Program(Bpf.PROG_TYPE_CGROUP_DEVICE, insns, license, logLevel, held,
                new String(nameField, 0, nameLength, StandardCharsets.US_ASCII));
        Optional<CgroupDirectory> memory = target.cgroup("memory").filter(c -> c.version() == 1);
        String container = call.containerId();
        int max = maxPrograms(policy);
        if (!programs.reserve(container, max)) {
            LOG.log(Level.WARNING, () -> container + " " + call.pid() + ": refused a device program: "
                    + MAX_PROGRAMS + "=" + max + " of its programs are loaded");
            throw new SyscallException(Errno.EPERM, MAX_PROGRAMS + "=" + max + " programs already loaded");
        }
        Bpf.Loaded loaded;
        boolean counted = false;
        try {
            loaded = memory.isPresent() ? bpf.load(program, memory.get()) : bpf.load(program);
            try {
                if (held > 0) {
                    int n = Math.min(loaded.log().length, held - 1);
                    byte[] out = Arrays.copyOf(loaded.log(), n + 1); // with its NUL
                    target.write(logBuf, out);
                }
                if (loaded.fd() < 0) {
                    throw new SyscallException(loaded.errno(), "the verifier refused the program");
                }
                programs.loaded(container, bpf.programId(loaded.fd()));
                counted = true;
            } finally {
                if (!counted && loaded.fd() >= 0) {
                    bpf.close(loaded.fd());
                }
            }
        } finally {
            if (!counted) {
                programs.cancel(container);
            }
        }
        LOG.log(Level.INFO, () -> container + " " + call.pid() + ": loaded a device program of " + count
                + " instructions" + memory.map(m -> ", charged to " + m.path()).orElse(""));
        return Response.injectFd(loaded.fd(), true); // bpf fds are always close-on-exec
    }

    @Override
    public List<HandlerOption<?>> options() {
        return List.of(MAX_PROGRAMS);
    }

    static int maxPrograms(Policy policy) {
        return policy.value(MAX_PROGRAMS).intValue(); // at most 4096: the option's bound
    }

    private static String license(Target target, long address) throws SyscallException {
        byte[] raw;
        try {
            raw = target.readCString(address, PAGE);
        } catch (SyscallException e) {
            throw e.errno() == Errno.ENAMETOOLONG ? new SyscallException(Errno.EINVAL, "license too long") : e;
        }
        return new String(raw, 0, Math.min(raw.length, LICENSE_MAX), StandardCharsets.US_ASCII);
    }

    private Response attachOrDetach(int cmd, Notification call, Target target, ByteBuffer a) throws SyscallException {
        int flags = a.getInt(12);
        if (cmd == BPF_PROG_ATTACH && (flags != Bpf.F_ALLOW_MULTI || a.getInt(20) != 0 || a.getLong(24) != 0)) {
            throw new SyscallException(Errno.EPERM, "attach flags 0x" + Integer.toHexString(flags)
                    + ": only BPF_F_ALLOW_MULTI, which cannot lift what is attached above");
        }
        try (CallerFd cgroup = target.takeFd(a.getInt(0)); CallerFd program = target.takeFd(a.getInt(4))) {
            requireOwnCgroup(target, cgroup);
            if (cmd == BPF_PROG_ATTACH) {
                bpf.attach(cgroup.fd(), program.fd(), Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI);
            } else {
                bpf.detach(cgroup.fd(), program.fd(), Bpf.CGROUP_DEVICE);
            }
        }
        LOG.log(Level.INFO, () -> call.containerId() + " " + call.pid() + ": "
                + (cmd == BPF_PROG_ATTACH ? "attached" : "detached") + " a device program");
        return Response.value(0);
    }

    /** The fd must be the container's cgroup v2 directory or one below it. */
    private static void requireOwnCgroup(Target target, CallerFd fd) throws SyscallException {
        CgroupDirectory own = target.containerCgroup("")
                .filter(c -> c.version() == 2)
                .orElseThrow(() -> new SyscallException(Errno.EPERM, "the container has no cgroup v2 directory"));
        Map<String, Object> id;
        try {
            id = Files.readAttributes(fd.procPath(), "unix:dev,ino,mode");
        } catch (IOException e) {
            throw new SyscallException(Errno.EBADF, "cannot stat the target fd: " + e);
        }
        try (Stream<Path> subtree = Files.walk(own.path())) {
            boolean inside = subtree.filter(Files::isDirectory).anyMatch(p -> sameFile(p, id));
            if (!inside) {
                throw new SyscallException(Errno.EPERM, "the target is not the container's cgroup ("
                        + own.path() + ") or one below it");
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new SyscallException(Errno.EPERM, "cannot walk the container's cgroup " + own.path() + ": " + e);
        }
    }

    private static boolean sameFile(Path p, Map<String, Object> id) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return a.get("dev").equals(id.get("dev")) && a.get("ino").equals(id.get("ino"));
        } catch (IOException e) {
            return false; // removed meanwhile
        }
    }
}
