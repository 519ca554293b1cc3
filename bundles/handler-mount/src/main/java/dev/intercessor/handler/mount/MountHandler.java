package dev.intercessor.handler.mount;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.HandlerProperties;
import dev.intercessor.api.ImageMount;
import dev.intercessor.api.ImageMounts;
import dev.intercessor.api.Notification;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.api.Target;

/**
 * {@code mount(2)} of filesystems a user namespace may not mount, per type as the container's
 * policy says ({@link MountPolicy}). Off unless a container asks ({@code mount.enabled=true}).
 * Only calls that make a new superblock are emulated, for a caller holding CAP_SYS_ADMIN in its
 * own user namespace; bind mounts, remounts, moves and propagation changes, and types in no list,
 * go to the kernel. The source is an image file or a block device the container was given (the
 * core checks which, as the caller; {@link ImageMounts}). For a type in no list, on a source whose
 * superblock is not of that type, the answer is the driver's EINVAL ({@link Superblocks}) rather
 * than the kernel's EPERM, so mount(8) without a type goes on to the next.
 *
 * <p>Of the new mount API only {@code fsopen} is trapped, and only {@code fsopen} of a type this
 * container may mount through the handler answers {@code ENOSYS}: that is where util-linux's
 * libmount (2.39+) falls back to {@code mount(2)}, which is emulated. Everything else of that API
 * goes to the kernel, which allows in a user namespace what it always did (tmpfs, clones, moves);
 * {@code fsconfig}, {@code fsmount}, {@code move_mount}, {@code open_tree} and {@code fspick} act on
 * fds and trees the kernel made for the caller, so there is nothing to judge there.
 *
 * <p>The same for a compat caller (x86, x32, arm): strings, and flags whose bits all fit 32 bits.
 */
@Component
@HandlerProperties(handler = "mount", syscalls = {"mount", "fsopen"}, enabled_default = false, slow = true)
public class MountHandler implements SyscallHandler {

    private static final Logger LOG = System.getLogger("dev.intercessor.handler.mount");
    /** The kernel copies at most a page of mount data. */
    static final int DATA_MAX = 4095;
    static final int PATH_MAX = 4096;
    /** Options that name something outside the image (a host path or device): never. */
    private static final Set<String> FORBIDDEN_OPTIONS = Set.of("journal_path", "journal_dev", "source");

    @Reference
    private ImageMounts mounts;
    /** Whether the kernel has a filesystem type: /proc/filesystems, global. */
    private final java.util.function.Predicate<String> registered;

    public MountHandler() {
        this.registered = MountHandler::inProcFilesystems;
    }

    /** For tests: a handler with its service, and the types the kernel has. */
    MountHandler(ImageMounts mounts, Set<String> registered) {
        this.mounts = mounts;
        this.registered = registered::contains;
    }

    @Override
    public List<HandlerOption<?>> options() {
        return List.of(MountPolicy.ALLOWED, MountPolicy.SHIFT, MountPolicy.FUSE);
    }

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        if (call.syscall().equals("fsopen")) {
            return fsopen(call, target, policy);
        }
        if (!call.syscall().equals("mount")) {
            return Response.continueSyscall(); // trapped by a profile that names more than this handler serves
        }
        MountFlags flags = new MountFlags(call.arg(3));
        if (!flags.newMount() || call.arg(2) == 0) {
            return Response.continueSyscall();
        }
        Optional<String> fstype = target.readString(call.arg(2), 256);
        if (fstype.isEmpty()) {
            return Response.continueSyscall();
        }
        MountPolicy mountPolicy = MountPolicy.of(policy);
        Optional<MountPolicy.Decision> decision = mountPolicy.decide(fstype.get());
        if (!target.credentials().has(Capability.SYS_ADMIN)) {
            return Response.continueSyscall(); // the kernel's EPERM
        }
        if (decision.isEmpty()) {
            if (mountPolicy.emulatesAny()) {
                refuseAsTheDriverWould(call, target, fstype.get(), flags.readOnly());
            }
            return Response.continueSyscall();
        }
        if (flags.unsupported() != 0) {
            throw new SyscallException(Errno.EINVAL, "mount flags 0x" + Long.toHexString(flags.unsupported())
                    + " are not supported for an emulated mount");
        }
        if (call.arg(0) == 0 || call.arg(1) == 0) {
            throw new SyscallException(Errno.EINVAL, "no source or target");
        }
        String source = path(target, call.arg(0));
        String where = path(target, call.arg(1));
        List<String> options = options(target, call.arg(4));
        switch (decision.get().mode()) {
            case FUSE:
                mounts.mountFuse(target, Target.AT_FDCWD, new ImageMount(source, where, fstype.get(), flags.readOnly(),
                        flags.noExec(), flags.noAtime(), options, false), decision.get().fuseServer());
                LOG.log(Level.INFO, () -> call.containerId() + " " + call.pid() + ": mounted " + fstype.get()
                        + " " + source + " on " + where + " through " + decision.get().fuseServer());
                return Response.value(0);
            default:
                mounts.mountImage(target, Target.AT_FDCWD, new ImageMount(source, where, fstype.get(), flags.readOnly(),
                        flags.noExec(), flags.noAtime(), kernelOptions(fstype.get(), options),
                        decision.get().mode() == MountPolicy.Mode.KERNEL_SHIFTED));
                LOG.log(Level.INFO, () -> call.containerId() + " " + call.pid() + ": mounted " + fstype.get()
                        + " " + source + " on " + where
                        + (decision.get().mode() == MountPolicy.Mode.KERNEL_SHIFTED ? " (idmapped)" : ""));
                return Response.value(0);
        }
    }

    /**
     * {@code fsopen(type, flags)}: {@code ENOSYS} where the caller would get an emulated mount from
     * {@code mount(2)} (a type in its policy, CAP_SYS_ADMIN), so libmount falls back to it
     * (hook_mount.c: an ENOSYS from fsopen in its prepare stage switches to the classic hookset);
     * else the kernel's answer. {@code fsopen(NULL)} is libmount's probe for the API (used when the
     * type is a list or not known yet, and a later {@code fsopen} of the type would not fall back):
     * while any type is emulated for the caller, the probe says ENOSYS too, and mount(2), which
     * the kernel serves for every other type, is used throughout.
     */
    static Response fsopen(Notification call, Target target, Policy policy) throws SyscallException {
        MountPolicy mountPolicy = MountPolicy.of(policy);
        if (!mountPolicy.emulatesAny() || !target.credentials().has(Capability.SYS_ADMIN)) {
            return Response.continueSyscall();
        }
        if (call.arg(0) == 0) {
            throw new SyscallException(Errno.ENOSYS, "fsopen(NULL) probe: use mount(2) while mount emulation is on");
        }
        Optional<String> fstype;
        try {
            fstype = target.readString(call.arg(0), 256);
        } catch (SyscallException e) {
            // Unreadable or too long: the kernel's own EFAULT or ENODEV. A string changed after this
            // read only gets the kernel's fsopen, which never mounts a type a user namespace may not.
            return Response.continueSyscall();
        }
        if (fstype.isPresent() && mountPolicy.decide(fstype.get()).isPresent()) {
            throw new SyscallException(Errno.ENOSYS, "fsopen(\"" + fstype.get() + "\"): emulated through mount(2)");
        }
        return Response.continueSyscall();
    }

    /**
     * A type this container does not mount through the handler, on a source it may mount from:
     * throws the driver's EINVAL where the source's superblock is not of that type
     * ({@link Superblocks}), so a mount(8) trying type after type (busybox without {@code -t})
     * goes on to the one the image is. Returns where it cannot tell: the kernel's EPERM.
     */
    private void refuseAsTheDriverWould(Notification call, Target target, String fstype, boolean readOnly)
            throws SyscallException {
        Optional<Superblocks.Signature> signature = Superblocks.of(fstype);
        if (signature.isEmpty() || call.arg(0) == 0 || !registered.test(fstype)) {
            return; // the kernel's ENODEV for a type it lacks
        }
        byte[] bytes;
        try {
            Optional<String> source = target.readString(call.arg(0), PATH_MAX);
            if (source.isEmpty()) {
                return;
            }
            bytes = mounts.readSource(target, Target.AT_FDCWD, source.get(), signature.get().offset(),
                    signature.get().length());
        } catch (SyscallException e) {
            LOG.log(Level.DEBUG, () -> call.containerId() + " " + call.pid() + ": " + fstype
                    + " source not read (" + e.getMessage() + "): the kernel's answer");
            return;
        }
        if (Superblocks.refuses(signature.get(), bytes, readOnly)) {
            throw new SyscallException(Errno.EINVAL, "the source holds no " + fstype + " filesystem "
                    + (readOnly ? "" : "mountable writable ") + "(as its driver would say)");
        }
    }

    /** @return whether the kernel has {@code fstype}: a line of /proc/filesystems */
    private static boolean inProcFilesystems(String fstype) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/filesystems"))) {
                if (line.substring(line.indexOf('\t') + 1).equals(fstype)) {
                    return true;
                }
            }
        } catch (java.io.IOException e) {
            LOG.log(Level.WARNING, "cannot read /proc/filesystems: " + e.getMessage());
        }
        return false;
    }

    private static String path(Target target, long address) throws SyscallException {
        return target.readString(address, PATH_MAX)
                .orElseThrow(() -> new SyscallException(Errno.EINVAL, "a path that is not UTF-8"));
    }

    /** Filesystems whose superblock can ask for errors=panic, which a mount option overrides. */
    private static final Set<String> SUPERBLOCK_ERRORS = Set.of("ext2", "ext3", "ext4");

    /**
     * What the host kernel gets for a mount it parses: an error in an image the container controls
     * (and may go on writing) must never panic the host, so errors=panic is refused and ext2/3/4
     * mounts get errors=remount-ro unless the caller asked for errors=continue.
     */
    static List<String> kernelOptions(String fstype, List<String> options) throws SyscallException {
        boolean errorsGiven = false;
        for (String option : options) {
            if (option.startsWith("errors=")) {
                if (!option.equals("errors=remount-ro") && !option.equals("errors=continue")) {
                    throw new SyscallException(Errno.EINVAL, "mount option '" + option
                            + "' is not allowed: an error in the image must not stop the host");
                }
                errorsGiven = true;
            }
        }
        if (errorsGiven || !SUPERBLOCK_ERRORS.contains(fstype)) {
            return options;
        }
        List<String> hardened = new ArrayList<>(options);
        hardened.add("errors=remount-ro");
        return hardened;
    }

    /** The data string's options; length-checked, and none that names something outside the image. */
    static List<String> options(Target target, long address) throws SyscallException {
        List<String> options = new ArrayList<>();
        if (address == 0) {
            return options;
        }
        String data;
        try {
            data = target.readString(address, DATA_MAX + 1)
                    .orElseThrow(() -> new SyscallException(Errno.EINVAL, "mount data that is not UTF-8"));
        } catch (SyscallException e) {
            throw e.errno() == Errno.ENAMETOOLONG
                    ? new SyscallException(Errno.EINVAL, "mount data longer than " + DATA_MAX + " bytes") : e;
        }
        for (String option : data.split(",")) {
            if (option.isEmpty()) {
                continue;
            }
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq);
            if (FORBIDDEN_OPTIONS.contains(key) || option.indexOf('/') >= 0 || !option.matches("[\\x21-\\x7e]+")) {
                throw new SyscallException(Errno.EINVAL, "mount option '" + option + "' is not allowed here");
            }
            options.add(option);
        }
        return options;
    }
}
