package dev.intercessor.handler.setxattr;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.Capability;
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
 * {@code setxattr}, {@code lsetxattr} and {@code fsetxattr} of the allowlisted (name, value)
 * pairs — by default only {@code trusted.overlay.opaque=y}, which overlayfs inside a container needs
 * and a user namespace may not set. Everything else goes back to the kernel: {@code user.*} keeps
 * working natively, {@code trusted.*} and {@code security.*} are refused by it.
 *
 * <p>Every argument is read once; a call that cannot be read or does not match goes back to the
 * kernel, which then gives its own errno on the caller's own privileges.
 *
 * <p>The same for a compat caller (x86, x32, arm): strings, a byte buffer, a size and int flags.
 */
@Component
@HandlerProperties(handler = "setxattr", syscalls = {"setxattr", "lsetxattr", "fsetxattr"},
        enabled_default = true)
public class SetxattrHandler implements SyscallHandler {

    /** XATTR_NAME_MAX + 1 and XATTR_SIZE_MAX, as the kernel bounds them. */
    private static final int NAME_BUFFER = 256;
    private static final int VALUE_MAX = 65536;
    private static final int XATTR_CREATE = 1;
    private static final int XATTR_REPLACE = 2;
    private static final Set<Capability> SET_TRUSTED = EnumSet.of(Capability.SYS_ADMIN);

    static final HandlerOption<List<String>> ALLOWED = HandlerOption.list("setxattr.allowed",
            List.of(XattrAllowlist.DEFAULT), XattrAllowlist.ENTRY, "the extended attributes a container may set "
                    + "with its own privilege in its user namespace, as name=value pairs compared byte for byte "
                    + "(empty: the default)");

    /** The last allowlist built, with the list it was built from: policies hand out one list per change. */
    private volatile Built built = new Built(List.of(), XattrAllowlist.parse(List.of(XattrAllowlist.DEFAULT)));

    private record Built(List<String> from, XattrAllowlist allowlist) {
    }

    @Override
    public List<HandlerOption<?>> options() {
        return List.of(ALLOWED);
    }

    private XattrAllowlist allowlist(Policy policy) {
        List<String> configured = policy.value(ALLOWED);
        Built b = built;
        if (b.from() != configured) {
            b = new Built(configured, XattrAllowlist.parse(configured.isEmpty() ? List.of(XattrAllowlist.DEFAULT) : configured));
            built = b;
        }
        return b.allowlist();
    }

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        XattrAllowlist allowlist = allowlist(policy);
        boolean byFd = call.syscall().equals("fsetxattr");
        long size = call.arg(3);
        int flags = (int) call.arg(4);
        if (size < 0 || size > VALUE_MAX || (flags & ~(XATTR_CREATE | XATTR_REPLACE)) != 0) {
            return Response.continueSyscall(); // E2BIG / EINVAL from the kernel
        }
        String name;
        byte[] value;
        String path;
        try {
            name = target.readString(call.arg(1), NAME_BUFFER).orElse(null);
            if (name == null || !allowlist.names(name)) {
                return Response.continueSyscall();
            }
            value = target.read(call.arg(2), (int) size);
            if (!allowlist.allows(name, value)) {
                return Response.continueSyscall();
            }
            path = byFd ? "." : target.readString(call.arg(0), Target.PATH_MAX).orElse(null);
        } catch (SyscallException e) {
            // EFAULT, ERANGE, ENAMETOOLONG: the kernel reads the same memory and says so itself.
            return Response.continueSyscall();
        }
        if (path == null) {
            return Response.continueSyscall();
        }
        if (path.isEmpty()) {
            throw new SyscallException(Errno.ENOENT, call.syscall() + ": empty path");
        }
        Credentials who = target.credentials();
        boolean fowner = who.has(Capability.FOWNER);
        // The caller may change a file it owns, or, holding CAP_FOWNER in its namespace, one owned
        // by an id of its namespace; never a file of the host's.
        int dirfd = byFd ? (int) call.arg(0) : Target.AT_FDCWD;
        boolean follow = !call.syscall().equals("lsetxattr");
        target.containerUid(who.fsuid()); // reads the uid map now, not inside the caller's context
        try {
            target.asCaller(dirfd, SET_TRUSTED, fs -> {
                fs.setxattr(path, follow, name, value, flags,
                        file -> file.uid() == who.fsuid() || (fowner && mapped(target, file.uid())));
                return null;
            });
        } catch (SyscallException e) {
            if (byFd && e.errno() == Errno.ENOTDIR) {
                return Response.continueSyscall(); // only directories by fd: the kernel decides
            }
            throw e;
        }
        return Response.value(0);
    }

    private static boolean mapped(Target target, int uid) {
        try {
            return target.containerUid(uid) >= 0;
        } catch (SyscallException e) {
            return false;
        }
    }
}
