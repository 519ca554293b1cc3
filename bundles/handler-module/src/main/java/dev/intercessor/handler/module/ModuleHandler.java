package dev.intercessor.handler.module;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.intercessor.api.CallerFd;
import dev.intercessor.api.Credentials;
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
 * {@code finit_module} and {@code init_module} for a container that needs a kernel module the host
 * has (a filesystem, a netfilter match…). The container's bytes are never loaded: the module's
 * name is read from its image ({@link ModuleImage}), and if the container's policy allows that name
 * ({@code module.allowed}, bounded by the operator), the host's own module of that name is loaded
 * by the host's loader ({@link HostLoader}: operator configuration {@value #PID}, {@code loader},
 * default {@code /sbin/modprobe}, run as {@code <loader> <name>}). Off unless a container asks
 * ({@code module.enabled=true}). Experimental; see docs/MODULES.md.
 *
 * <p>Only the container's root holding CAP_SYS_MODULE in the container's own user namespace is
 * served (the kernel's {@code may_init_module}, with the container's namespace for the host's);
 * everyone else, and a name the policy does not allow, gets the kernel's answer (EPERM in a user
 * namespace, ENOSYS without CONFIG_MODULES). Errors follow the kernel's: unknown flags EINVAL, a
 * descriptor not open for reading EBADF, not a regular file EINVAL, an image larger than
 * {@code maxImageBytes} EFBIG, unreadable memory EFAULT, not a module ENOEXEC, a compressed image
 * EOPNOTSUPP (as a kernel without CONFIG_MODULE_DECOMPRESS), a module already loaded EEXIST.
 * Module parameters only as the operator lists them ({@code params.allowed}), else EINVAL.
 */
@Component(configurationPid = ModuleHandler.PID)
@Designate(ocd = ModuleHandler.Config.class)
@HandlerProperties(handler = "module", syscalls = {"finit_module", "init_module"}, enabled_default = false,
        slow = true)
public class ModuleHandler implements SyscallHandler {

    static final String PID = "dev.intercessor.module";

    @ObjectClassDefinition(name = "Intercessor module handler",
            description = "How the host loads a module a container asked for (finit_module, init_module). Which "
                    + "modules a container may ask for is its policy's module.allowed, bounded by "
                    + "bound.module.allowed in dev.intercessor.policy.")
    public @interface Config {
        @AttributeDefinition(description = "The host's module loader, an absolute path; run as <loader> <name> "
                + "[operator's parameters], without a shell.")
        String loader() default "/sbin/modprobe";

        @AttributeDefinition(description = "How long the loader may run, in milliseconds, before it is killed and "
                + "the call fails with ETIMEDOUT (less than the core's deferredTimeoutMillis).", min = "1")
        long timeoutMillis() default 10_000;

        @AttributeDefinition(description = "The largest module image read from a container, in bytes; a larger "
                + "one fails with EFBIG.", min = "1")
        long maxImageBytes() default 64L * 1024 * 1024;

        @AttributeDefinition(description = "Where the host's kernel lists loaded modules: a module whose "
                + "<sysModule>/<name>/initstate exists is loaded, and the call fails with EEXIST.")
        String sysModule() default "/sys/module";

        @AttributeDefinition(description = "Module parameters a container may pass, each as '<module> <parameters>' "
                + "(e.g. 'dummy numdummies=2'; several in one string separated by ';'): a call whose parameters are "
                + "exactly those for that module has the "
                + "loader run with them as further arguments. Any other non-empty parameters: EINVAL.")
        String[] params_allowed() default {};
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.handler.module");

    static final int MODULE_INIT_IGNORE_MODVERSIONS = 1;
    static final int MODULE_INIT_IGNORE_VERMAGIC = 2;
    static final int MODULE_INIT_COMPRESSED_FILE = 4;
    static final int ENOEXEC = 8;
    static final int EFBIG = 27;
    /** CAP_SYS_MODULE, which {@link dev.intercessor.api.Capability} does not name. */
    static final int CAP_SYS_MODULE = 16;
    /** The most parameters read from the caller; no allowed entry is longer. */
    static final int PARAMS_MAX = 1024;
    private static final int O_ACCMODE = 03;
    private static final int O_WRONLY = 01;
    private static final int O_PATH = 010000000;

    private static final Pattern LOADER = Pattern.compile("(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+");
    private static final Pattern PARAM = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.,:=+-]*");

    static final HandlerOption<List<String>> ALLOWED = HandlerOption.list("module.allowed", List.of(),
            Pattern.compile("[A-Za-z0-9_-]{1," + ModuleImage.NAME_MAX + "}"),
            "kernel modules the container may have the host load, by name ('-' and '_' alike): the host's own "
                    + "module of that name, never the container's image");

    /** The operator's configuration, checked. */
    record Settings(String loader, long timeoutMillis, long maxImageBytes, Path sysModule,
            Map<String, List<String>> params) {
    }

    /** What the handler asks of the host; real by default, replaced in tests. */
    interface Host {
        /** @return the {@code flags} of a descriptor the supervisor holds ({@code /proc/self/fdinfo}) */
        int fdFlags(CallerFd fd) throws IOException;

        /** @return the inode of the user namespace of the container's init */
        long containerUserNamespace(Target target) throws IOException;

        HostLoader.Outcome run(List<String> command, long timeoutMillis) throws IOException, InterruptedException;
    }

    private static final Host REAL = new Host() {
        @Override
        public int fdFlags(CallerFd fd) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", Integer.toString(fd.fd())))) {
                if (line.startsWith("flags:")) {
                    return Integer.parseInt(line.substring(6).trim(), 8);
                }
            }
            throw new IOException("no flags in /proc/self/fdinfo/" + fd.fd());
        }

        @Override
        public long containerUserNamespace(Target target) throws IOException {
            String link = Files.readSymbolicLink(Path.of("/proc", Integer.toString(target.containerInitPid()), "ns",
                    "user")).toString();
            return Long.parseLong(link.replaceAll("^user:\\[(\\d+)\\]$", "$1"));
        }

        @Override
        public HostLoader.Outcome run(List<String> command, long timeoutMillis)
                throws IOException, InterruptedException {
            return HostLoader.run(command, timeoutMillis);
        }
    };

    /** One load of a name at a time, so a second caller sees the first's module and gets EEXIST. */
    private final Map<String, ReentrantLock> loading = new ConcurrentHashMap<>();
    private final Host host;
    private final int machine;
    private volatile Settings settings;

    public ModuleHandler() {
        this.host = REAL;
        this.machine = ModuleImage.hostMachine();
    }

    /** For tests. */
    ModuleHandler(Host host, int machine, Settings settings) {
        this.host = host;
        this.machine = machine;
        this.settings = settings;
    }

    @Activate
    @Modified
    void configure(Config config) {
        settings = settings(config);
        LOG.log(Level.INFO, () -> "module loader " + settings.loader() + ", timeout " + settings.timeoutMillis()
                + " ms, images up to " + settings.maxImageBytes() + " bytes, parameters allowed for "
                + settings.params().keySet());
    }

    static Settings settings(Config config) {
        String configured = config.loader();
        String loader = configured;
        if (loader == null || !LOADER.matcher(loader).matches() || loader.contains("/../") || loader.contains("/./")
                || loader.endsWith("/..") || loader.endsWith("/.")) {
            LOG.log(Level.ERROR, () -> PID + ": loader '" + ModuleImage.printable(String.valueOf(configured))
                    + "' is not an absolute path: every module load fails with EIO");
            loader = null;
        }
        Map<String, List<String>> params = new HashMap<>();
        List<String> entries = new ArrayList<>();
        for (String value : config.params_allowed()) {
            // An array, or one string of entries separated by ';' (a .cfg file has no arrays).
            for (String entry : value.split(";")) {
                if (!entry.isBlank()) {
                    entries.add(entry);
                }
            }
        }
        for (String entry : entries) {
            String[] words = entry.trim().split("\\s+");
            boolean ok = words.length >= 2;
            String name = null;
            try {
                name = ModuleImage.normalised(words[0]);
            } catch (ModuleImage.NotAModuleException e) {
                ok = false;
            }
            for (int i = 1; ok && i < words.length; i++) {
                ok = PARAM.matcher(words[i]).matches();
            }
            if (!ok || params.containsKey(name + " " + joined(words))) {
                LOG.log(Level.WARNING, () -> PID + ": params.allowed entry ignored (expected '<module> <param>=<value> "
                        + "…'): " + ModuleImage.printable(entry));
                continue;
            }
            params.put(name + " " + joined(words), List.of(words).subList(1, words.length));
        }
        return new Settings(loader, Math.max(100, Math.min(config.timeoutMillis(), 25_000)),
                Math.max(ModuleImage.ELF64_EHDR_SIZE, Math.min(config.maxImageBytes(), Integer.MAX_VALUE - 16)),
                Path.of(config.sysModule()), Map.copyOf(params));
    }

    private static String joined(String[] words) {
        return String.join(" ", List.of(words).subList(1, words.length));
    }

    @Override
    public List<HandlerOption<?>> options() {
        return List.of(ALLOWED);
    }

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        boolean finit = call.syscall().equals("finit_module");
        if (!finit && !call.syscall().equals("init_module")) {
            return Response.continueSyscall(); // trapped by a profile that names more than this handler serves
        }
        List<String> allowed = new ArrayList<>();
        policy.value(ALLOWED).forEach(n -> allowed.add(n.replace('-', '_')));
        if (allowed.isEmpty() || !mayLoadModules(target)) {
            return Response.continueSyscall(); // may_init_module: the kernel's EPERM (ENOSYS without modules)
        }
        Settings s = settings;
        String who = call.containerId() + " " + call.pid() + ": " + call.syscall();
        int flags = finit ? (int) call.arg(2) : 0;
        if ((flags & ~(MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC | MODULE_INIT_COMPRESSED_FILE)) != 0) {
            throw new SyscallException(Errno.EINVAL, "unknown flags 0x" + Integer.toHexString(flags));
        }
        byte[] image = finit ? readFile(target, (int) call.arg(0), s) : readMemory(target, call.arg(0), call.arg(1), s);
        if ((flags & MODULE_INIT_COMPRESSED_FILE) != 0) {
            LOG.log(Level.WARNING, () -> who + " refused: a compressed image (MODULE_INIT_COMPRESSED_FILE) is not "
                    + "read; the kernel without CONFIG_MODULE_DECOMPRESS answers the same");
            throw new SyscallException(Errno.EOPNOTSUPP, "compressed module images are not read");
        }
        String name;
        try {
            name = ModuleImage.name(image, machine);
        } catch (ModuleImage.NotAModuleException e) {
            LOG.log(Level.WARNING, () -> who + " refused: not a module image: " + e.getMessage());
            throw new SyscallException(ENOEXEC, "not a module image");
        }
        if (!allowed.contains(name)) {
            LOG.log(Level.INFO, () -> who + ": module " + name + " is not in module.allowed: the kernel's answer");
            return Response.continueSyscall();
        }
        List<String> params = params(target, call.arg(finit ? 1 : 2), name, s, who);
        return load(target, name, params, s, who);
    }

    /**
     * @return whether the caller is the container's root holding CAP_SYS_MODULE in the container's
     *         own user namespace: a user namespace the caller made has every capability there
     */
    private boolean mayLoadModules(Target target) throws SyscallException {
        Credentials c = target.credentials();
        if ((c.capEffective() & (1L << CAP_SYS_MODULE)) == 0 || target.containerUid(c.euid()) != 0) {
            return false;
        }
        try {
            return target.namespaceInode("user") == host.containerUserNamespace(target);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** finit_module's file: the caller's descriptor, checked as the kernel does, read once. */
    private byte[] readFile(Target target, int fd, Settings s) throws SyscallException {
        try (CallerFd taken = target.takeFd(fd)) {
            int fdFlags;
            try {
                fdFlags = host.fdFlags(taken);
            } catch (IOException | RuntimeException e) {
                throw new SyscallException(Errno.EBADF, "descriptor " + fd + ": " + e.getMessage());
            }
            if ((fdFlags & O_PATH) != 0 || (fdFlags & O_ACCMODE) == O_WRONLY) {
                throw new SyscallException(Errno.EBADF, "descriptor " + fd + " is not open for reading");
            }
            Path file = taken.procPath();
            if (!Files.isRegularFile(file)) {
                throw new SyscallException(Errno.EINVAL, "descriptor " + fd + " is not a regular file");
            }
            // The kernel reads i_size bytes and refuses an empty file (kernel_read_file: EINVAL),
            // which also keeps procfs files (size 0) out. The supervisor opens the file anew
            // through the descriptor's /proc link (Java reads no raw descriptor): the same inode,
            // which the caller holds open for reading.
            long size;
            try {
                size = Files.size(file);
            } catch (IOException e) {
                throw new SyscallException(Errno.EBADF, "descriptor " + fd + ": " + e.getMessage());
            }
            if (size <= 0) {
                throw new SyscallException(Errno.EINVAL, "descriptor " + fd + " is an empty file");
            }
            if (size > s.maxImageBytes()) {
                throw new SyscallException(EFBIG, "module file of " + size + " bytes, larger than " + s.maxImageBytes());
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] image = in.readNBytes((int) s.maxImageBytes() + 1);
                if (image.length > s.maxImageBytes()) {
                    throw new SyscallException(EFBIG, "module file larger than " + s.maxImageBytes() + " bytes");
                }
                return image;
            } catch (IOException e) {
                throw new SyscallException(Errno.EIO, "descriptor " + fd + " unreadable: " + e.getMessage());
            }
        }
    }

    /** init_module's image: the caller's memory, read once. */
    private static byte[] readMemory(Target target, long address, long length, Settings s) throws SyscallException {
        if (Long.compareUnsigned(length, s.maxImageBytes()) > 0) {
            throw new SyscallException(EFBIG, "module image of " + Long.toUnsignedString(length) + " bytes, larger than "
                    + s.maxImageBytes());
        }
        if (length < ModuleImage.ELF64_EHDR_SIZE) {
            throw new SyscallException(ENOEXEC, "module image of " + length + " bytes, shorter than an ELF header");
        }
        return target.read(address, (int) length);
    }

    /**
     * @return the operator's parameters for {@code name} that equal the caller's, or none for empty
     *         ones
     * @throws SyscallException EINVAL for any others, EFAULT if unreadable
     */
    private static List<String> params(Target target, long address, String name, Settings s, String who)
            throws SyscallException {
        if (address == 0) {
            throw new SyscallException(Errno.EFAULT, "NULL parameters");
        }
        Optional<String> given;
        try {
            given = target.readString(address, PARAMS_MAX);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ENAMETOOLONG) {
                throw e;
            }
            given = Optional.empty();
        }
        if (given.isPresent() && given.get().isBlank()) {
            return List.of();
        }
        String asked = given.map(String::strip).orElse("");
        List<String> allowed = given.isPresent() ? s.params().get(name + " " + asked.replaceAll("\\s+", " ")) : null;
        if (allowed == null) {
            LOG.log(Level.WARNING, () -> who + " refused: parameters for " + name + " not in params.allowed: '"
                    + ModuleImage.printable(asked) + "'");
            throw new SyscallException(Errno.EINVAL, "module parameters not in params.allowed");
        }
        return allowed;
    }

    /** Loads the host's module {@code name}, one load of a name at a time. */
    private Response load(Target target, String name, List<String> params, Settings s, String who)
            throws SyscallException {
        if (s.loader() == null) {
            throw new SyscallException(Errno.EIO, "no valid loader configured (" + PID + ")");
        }
        ReentrantLock lock = loading.computeIfAbsent(name, n -> new ReentrantLock());
        try {
            if (!lock.tryLock(s.timeoutMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                throw new SyscallException(Errno.EAGAIN, "module " + name + " is being loaded for another call");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted");
        }
        try {
            if (Files.exists(s.sysModule().resolve(name).resolve("initstate"))) {
                throw new SyscallException(Errno.EEXIST, "module " + name + " is already loaded");
            }
            if (!target.stillWaiting()) {
                throw new SyscallException(Errno.ESRCH, "the caller has gone");
            }
            List<String> command = HostLoader.command(s.loader(), name, params);
            HostLoader.Outcome outcome;
            try {
                outcome = host.run(command, s.timeoutMillis());
            } catch (IOException e) {
                LOG.log(Level.ERROR, () -> who + ": cannot run " + command + ": " + e.getMessage());
                throw new SyscallException(Errno.EIO, "the host's loader could not run");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SyscallException(Errno.EINTR, "interrupted");
            }
            String output = outcome.output().isEmpty() ? "" : ", output: " + outcome.output();
            if (outcome.timedOut()) {
                LOG.log(Level.WARNING, () -> who + ": " + command + " killed after " + s.timeoutMillis() + " ms" + output);
                throw new SyscallException(Errno.ETIMEDOUT, "the host's loader timed out");
            }
            if (outcome.exit() != 0) {
                boolean notFound = outcome.output().toLowerCase(java.util.Locale.ROOT).contains("not found");
                LOG.log(Level.WARNING, () -> who + ": " + command + " failed, exit " + outcome.exit() + output);
                throw new SyscallException(notFound ? Errno.ENOENT : Errno.EIO, "the host's loader failed for " + name
                        + (notFound ? " (not found)" : ""));
            }
            LOG.log(Level.INFO, () -> who + ": loaded the host's module " + name + " (" + command + ")" + output);
            return Response.value(0);
        } finally {
            lock.unlock();
        }
    }
}
