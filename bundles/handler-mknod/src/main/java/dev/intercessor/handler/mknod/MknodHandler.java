package dev.intercessor.handler.mknod;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.HandlerProperties;
import dev.intercessor.api.Notification;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.api.Target;

/**
 * {@code mknod}/{@code mknodat} of the character devices in {@link DeviceAllowlist}, made as the
 * caller's own call would have made them (its root, cwd or dirfd, umask, fsuid/fsgid). Anything
 * else goes back to the kernel, which refuses it to an unprivileged container.
 *
 * <p>The same for a compat caller (x86, x32, arm): the path is a string, mode an int, dev an
 * unsigned int in the kernel's one encoding on every ABI.
 */
@Component
@HandlerProperties(handler = "mknod", syscalls = {"mknod", "mknodat"}, enabled_default = true)
public class MknodHandler implements SyscallHandler {

    private static final Logger LOG = System.getLogger("dev.intercessor.handler.mknod");
    private static final Set<Capability> CREATE = EnumSet.of(Capability.MKNOD);

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        boolean at = call.syscall().equals("mknodat");
        int dirfd = at ? (int) call.arg(0) : Target.AT_FDCWD;
        long pathAddress = call.arg(at ? 1 : 0);
        int mode = (int) call.arg(at ? 2 : 1);
        long dev = call.arg(at ? 3 : 2) & 0xffffffffL;
        int major = DeviceAllowlist.major(dev);
        int minor = DeviceAllowlist.minor(dev);

        // Not ours to grant: block devices, other char devices, FIFOs, sockets, regular files.
        // The kernel refuses or allows those itself, on the caller's own privileges.
        if ((mode & FileStat.S_IFMT) != FileStat.S_IFCHR || !DeviceAllowlist.allows(major, minor)) {
            return Response.continueSyscall();
        }
        // A caller without CAP_MKNOD in its own namespace could not create nodes anywhere.
        if (!target.credentials().has(Capability.MKNOD)) {
            return Response.continueSyscall();
        }
        Optional<String> text = target.readString(pathAddress, Target.PATH_MAX);
        if (text.isEmpty()) {
            return Response.continueSyscall(); // a name we cannot reproduce exactly: kernel decides
        }
        String path = text.get();
        if (path.isEmpty()) {
            throw new SyscallException(Errno.ENOENT, call.syscall() + ": empty path");
        }
        int from = path.startsWith("/") ? Target.AT_FDCWD : dirfd;
        int nodeMode = FileStat.S_IFCHR | (mode & 07777);
        boolean whiteout = DeviceAllowlist.isWhiteout(major, minor);

        SyscallException[] mountFailure = new SyscallException[1];
        target.asCaller(from, CREATE, fs -> {
            fs.mknod(path, nodeMode, major, minor);
            if (whiteout || fs.deviceOpens(path, major, minor)) {
                return null;
            }
            // SB_I_NODEV: a filesystem mounted inside a user namespace never opens device nodes.
            try {
                fs.mountUsableNode(path, major, minor);
            } catch (SyscallException e) {
                mountFailure[0] = e; // logged below, outside the caller's context
            }
            return null;
        });
        if (mountFailure[0] != null) {
            // The core removed the node: a success would leave one that never opens.
            LOG.log(Level.WARNING, () -> call.containerId() + " " + call.pid() + " " + call.syscall()
                    + "(\"" + path + "\", " + major + ":" + minor + "): no usable node could be mounted over it: "
                    + mountFailure[0].getMessage());
            throw mountFailure[0];
        }
        return Response.value(0);
    }
}
