package dev.intercessor.profile;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code intercessor profile [--base FILE] [--syscalls a,b,c] [--doorbell] [--loop] [--listener PATH] [--metadata K=V]...
 * [--output FILE]}: prints (or writes) a seccomp profile that sends the syscalls to Intercessor's
 * listener; see {@link NotifyProfile} for what changes in the base. Exit status 0, or 2 with a
 * one-line message on stderr.
 *
 * <p>The launcher passes the defaults it shares with {@code intercessor run} as system properties:
 * {@value #LISTENER_PROPERTY} (the listenerPath of etc/dev.intercessor.oci.cfg),
 * {@value #ARCHITECTURES_PROPERTY} and {@value #SYSCALLS_PROPERTY} (comma-separated).
 */
public final class ProfileTool {

    static final String LISTENER_PROPERTY = "intercessor.profile.listener";
    static final String ARCHITECTURES_PROPERTY = "intercessor.profile.architectures";
    static final String SYSCALLS_PROPERTY = "intercessor.profile.syscalls";
    static final String DEFAULT_LISTENER = "/run/intercessor/oci.sock";
    private static final String PROG = "intercessor profile";
    private static final String STDIN = "standard input";
    private static final Pattern SYSCALL_LIST = Pattern.compile("[a-z_][a-z0-9_]*(,[a-z_][a-z0-9_]*)*");
    private static final int EXIT_ERROR = 2;

    private String base;
    private List<String> syscalls;
    /** --doorbell: notify the doorbell, so a container process can hand over a listener of its own. */
    private boolean doorbell;
    /** --loop: notify the loop handler's ioctl requests. */
    private boolean loop;
    private String listener;
    private final List<String> metadata = new ArrayList<>();
    private String output;

    /**
     * What holds without an option. Null fields: {@value #DEFAULT_LISTENER}, the architectures of
     * this JVM's os.arch, {@link NotifyProfile#DEFAULT_SYSCALLS}.
     *
     * @param listener      listenerPath without --listener
     * @param architectures comma-separated architectures of the profile made without --base
     * @param syscalls      comma-separated syscalls without --syscalls
     */
    record Defaults(String listener, String architectures, String syscalls) {

        static Defaults fromSystemProperties() {
            return new Defaults(System.getProperty(LISTENER_PROPERTY), System.getProperty(ARCHITECTURES_PROPERTY),
                    System.getProperty(SYSCALLS_PROPERTY));
        }
    }

    private ProfileTool() {
    }

    public static void main(String[] args) {
        // Not System.out: a PrintStream hides write errors (a closed pipe), and the profile would be cut short.
        int status = run(args, System.in, new FileOutputStream(FileDescriptor.out), System.err,
                Defaults.fromSystemProperties());
        System.exit(status);
    }

    static int run(String[] args, InputStream stdin, OutputStream stdout, PrintStream stderr, Defaults defaults) {
        ProfileTool tool = new ProfileTool();
        try {
            tool.parse(args);
            if (tool.syscalls == null && tool.doorbell) {
                // For intercessor-init, whose own filter traps the calls: with its listener handed
                // over, one the runtime's filter still notified would fail with ENOSYS.
                tool.syscalls = List.of();
            } else if (tool.syscalls == null) {
                tool.syscalls = defaults.syscalls() != null ? syscallList(defaults.syscalls(), SYSCALLS_PROPERTY)
                        : NotifyProfile.DEFAULT_SYSCALLS;
            }
            String listenerPath = tool.listener != null ? tool.listener
                    : defaults.listener() != null && !defaults.listener().isEmpty() ? defaults.listener()
                    : DEFAULT_LISTENER;
            if (!listenerPath.startsWith("/") || listenerPath.indexOf('\n') >= 0) {
                throw new ProfileException("--listener: not an absolute path: " + listenerPath);
            }
            Object base;
            String source;
            if (tool.base == null) {
                base = NotifyProfile.minimalBase(defaults.architectures() != null ? split(defaults.architectures())
                        : nativeArchitectures());
                source = "the minimal profile";
            } else {
                source = tool.base.equals("-") ? STDIN : tool.base;
                base = parseBase(tool.base, stdin);
            }
            String metadata = tool.metadata.isEmpty() ? null : String.join("\n", tool.metadata);
            NotifyProfile profile;
            try {
                profile = NotifyProfile.from(base, tool.syscalls, tool.doorbell, tool.loop, listenerPath, metadata);
            } catch (ProfileException e) {
                throw new ProfileException(source + ": " + e.getMessage());
            }
            for (String note : profile.notes()) {
                stderr.println(PROG + ": " + note);
            }
            if (profile.notified().isEmpty()) {
                throw new ProfileException("no syscall left to send to the listener: the base blocks "
                        + String.join(", ", tool.syscalls) + (tool.doorbell ? " and the doorbell" : "") + " (see above)");
            }
            if (profile.notes().stream().anyMatch(n -> !n.startsWith("defaultAction"))) {
                stderr.println(PROG + ": a syscall the base blocks, even only in some cases, stays blocked: with no "
                        + "handler or its policy off, Intercessor lets the kernel run a call; to send one anyway, "
                        + "take it out of the base's blocking rules first");
            }
            byte[] json = JsonWriter.pretty(profile.json()).getBytes(StandardCharsets.UTF_8);
            if (tool.output == null || tool.output.equals("-")) {
                stdout.write(json);
                stdout.flush();
            } else {
                write(Path.of(tool.output), json);
                stderr.println(PROG + ": wrote " + tool.output + ": " + String.join(", ", profile.notified())
                        + " sent to " + listenerPath + summary(profile));
            }
            return 0;
        } catch (ProfileException e) {
            stderr.println(PROG + ": " + e.getMessage());
            return EXIT_ERROR;
        } catch (IOException e) {
            stderr.println(PROG + ": cannot write the profile: " + describe(e));
            return EXIT_ERROR;
        }
    }

    private void parse(String[] args) throws ProfileException {
        for (int i = 0; i < args.length; i++) {
            String opt = args[i];
            String value = null;
            int eq = opt.indexOf('=');
            if (opt.startsWith("--") && eq > 0) {
                value = opt.substring(eq + 1);
                opt = opt.substring(0, eq);
            }
            if (opt.equals("--doorbell")) {
                doorbell = true;
                continue;
            }
            if (opt.equals("--loop")) {
                loop = true;
                continue;
            }
            if (!List.of("--base", "--syscalls", "--listener", "--metadata", "--output").contains(opt)) {
                throw new ProfileException(opt.startsWith("-") ? "unknown option " + opt
                        : "unexpected argument " + opt + " (options only)");
            }
            if (value == null) {
                if (i + 1 == args.length) {
                    throw new ProfileException(opt + " needs a value");
                }
                value = args[++i];
            }
            if (value.isEmpty()) {
                throw new ProfileException(opt + " needs a value");
            }
            switch (opt) {
            case "--base" -> base = value;
            case "--syscalls" -> syscalls = syscallList(value, opt);
            case "--listener" -> listener = value;
            case "--metadata" -> {
                if (value.indexOf('=') < 1) {
                    throw new ProfileException("--metadata expects K=V, got: " + value);
                }
                if (value.indexOf('\n') >= 0) {
                    throw new ProfileException("--metadata: K=V must not contain a newline");
                }
                metadata.add(value);
            }
            default -> output = value;
            }
        }
    }

    private static List<String> syscallList(String value, String source) throws ProfileException {
        if (!SYSCALL_LIST.matcher(value).matches()) {
            throw new ProfileException(source + " expects comma-separated syscall names, got: " + value);
        }
        return Arrays.asList(value.split(","));
    }

    private static Object parseBase(String file, InputStream stdin) throws ProfileException {
        String name = file.equals("-") ? STDIN : file;
        byte[] bytes;
        try {
            if (file.equals("-")) {
                bytes = stdin.readAllBytes();
            } else {
                bytes = Files.readAllBytes(Path.of(file));
            }
        } catch (IOException e) {
            throw new ProfileException("cannot read base profile " + name + ": " + describe(e));
        }
        try {
            return JsonReader.parse(bytes);
        } catch (JsonException e) {
            throw new ProfileException(name + ": invalid JSON at " + e.getMessage());
        }
    }

    /**
     * Into a new file next to the target, then renamed over it: a runtime reading the profile at a
     * container's start sees the old one or the new one. Created with the process umask (a rootless
     * engine reads it as its user).
     */
    private static void write(Path target, byte[] json) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(tmp, json, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException(target + ": " + describe(e), e);
        }
    }

    private static String summary(NotifyProfile profile) {
        if (profile.rulesEdited() + profile.rulesDropped() == 0) {
            return "";
        }
        int rules = profile.rulesEdited() + profile.rulesDropped();
        return "; taken out of " + rules + (rules == 1 ? " rule" : " rules") + " of the base"
                + (profile.rulesDropped() == 0 ? "" : " (" + profile.rulesDropped() + " left empty, dropped)");
    }

    /** The architectures `intercessor run` uses: the native one and those it runs in compat mode. */
    static List<String> nativeArchitectures() {
        return switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        case "aarch64", "arm64" -> List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
        default -> List.of();
        };
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split("[,\\s]+")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
