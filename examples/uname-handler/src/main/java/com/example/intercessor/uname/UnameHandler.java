package com.example.intercessor.uname;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.CallerNamespace;
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
 * {@code uname(2)} with the kernel release a container's policy names ({@code uname.release}), for
 * software that checks the release before it runs. Without {@code uname.release} the kernel answers.
 *
 * <p>The other fields are what the kernel would give a 64-bit caller: {@code Linux}; the nodename
 * ({@code uname.nodename}, else the caller's host name) and NIS domain name, both read in the
 * caller's UTS namespace ({@link Target#inCallerNamespaces}); the kernel's version string; and the
 * caller's architecture.
 */
@Component
@HandlerProperties(handler = "uname", syscalls = {"uname"}, enabled_default = true)
public class UnameHandler implements SyscallHandler {

    /** __NEW_UTS_LEN + 1: each of the six fields of struct new_utsname, NUL-terminated. */
    static final int FIELD = 65;

    /** The release string the container sees; empty: the kernel's (the kernel answers). */
    public static final HandlerOption<String> RELEASE = HandlerOption.text("uname.release", "",
            Pattern.compile("[\\x21-\\x7e]*"), FIELD - 1, "the kernel release uname reports to the container "
                    + "(empty: the kernel's own, and the kernel answers uname)");
    /** The nodename (hostname) the container sees while the release is changed; empty: its own. */
    public static final HandlerOption<String> NODENAME = HandlerOption.text("uname.nodename", "",
            Pattern.compile("[A-Za-z0-9.-]*"), FIELD - 1, "the nodename uname reports while uname.release is set "
                    + "(empty: the container's host name)");
    static final int SIZE = 6 * FIELD;

    private static final Logger LOG = System.getLogger("com.example.intercessor.uname");

    private final Path kernel;
    private final String version;

    public UnameHandler() {
        this(Path.of("/proc/sys/kernel"));
    }

    /**
     * @param kernel where {@code version}, {@code hostname} and {@code domainname} are read
     *               ({@code /proc/sys/kernel}: the last two show the reading thread's UTS namespace)
     */
    UnameHandler(Path kernel) {
        this.kernel = kernel;
        version = read(kernel.resolve("version")); // the booted kernel's: it does not change
    }

    @Override
    public List<HandlerOption<?>> options() {
        return List.of(RELEASE, NODENAME);
    }

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        String release = policy.value(RELEASE); // checked where it was set: printable, fits the field
        // struct new_utsname is the same on the 64-bit ABIs; a compat caller may also run with
        // personality(PER_LINUX32), which changes the machine it is told: the kernel answers it.
        if (release.isEmpty() || !(call.arch().equals("x86_64") || call.arch().equals("aarch64"))) {
            return Response.continueSyscall();
        }
        // The caller's names, read where the kernel would read them: in its UTS namespace.
        String[] names = target.inCallerNamespaces(EnumSet.of(CallerNamespace.UTS),
                () -> new String[] {readName("hostname"), readName("domainname")});
        String nodename = policy.value(NODENAME).isEmpty() ? names[0] : policy.value(NODENAME);
        String domainname = names[1];
        byte[] utsname = new byte[SIZE];
        if (!put(utsname, 0, "Linux") || !put(utsname, 1, nodename) || !put(utsname, 2, release)
                || !put(utsname, 3, version) || !put(utsname, 4, call.arch()) || !put(utsname, 5, domainname)) {
            LOG.log(Level.WARNING, () -> "container " + call.containerId() + ": its host or domain name is longer than "
                    + (FIELD - 1) + " bytes; the kernel answers uname");
            return Response.continueSyscall();
        }
        // A bad buffer throws EFAULT, which the call returns, as the kernel's copy_to_user would.
        target.write(call.arg(0), utsname);
        return Response.value(0);
    }

    /** Puts {@code value} in field {@code index}, NUL-padded; {@code false} if it does not fit. */
    private static boolean put(byte[] utsname, int index, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > FIELD - 1) {
            return false;
        }
        System.arraycopy(bytes, 0, utsname, index * FIELD, bytes.length);
        return true;
    }

    private String readName(String name) throws SyscallException {
        try {
            return Files.readString(kernel.resolve(name)).strip();
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read the caller's " + name + ": " + e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e, e);
        }
    }
}
