package dev.intercessor.api;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A system-call emulator, registered as an OSGi service (whiteboard pattern).
 *
 * <p>Service properties: {@link #SYSCALLS} (required, the syscall names served, e.g.
 * {@code mknod, mknodat}), {@link #HANDLER} (required, the handler's name, which is also the prefix
 * of its policy keys), {@link #ENABLED_BY_DEFAULT} (optional, default {@code false}) and the usual
 * {@code service.ranking}, which decides between two handlers for the same syscall.
 *
 * <p>The core calls {@link #handle} only when the handler is enabled by the container's policy.
 * A handler must not block for long on the calling thread: a slow action (mounting, loading a
 * module) answers with {@link Response#later} and completes from its own thread.
 */
@ConsumerType
public interface SyscallHandler {

    /**
     * Service property: the names of the system calls this handler serves ({@code String[]}), on
     * every architecture that has them; or, for a number no syscall table names (a call user space
     * defines), {@code <arch>:<number>} with the architecture as libseccomp names it and the
     * number in decimal as in {@code seccomp_data.nr}, e.g. {@code x86_64:1000} (x32: with
     * {@code __X32_SYSCALL_BIT}). A number the architecture's table names is refused: serve it by
     * its name. {@link Notification#syscall()} is then that spelling.
     */
    String SYSCALLS = "intercessor.syscalls";

    /** Service property: the handler's name, used for policy keys such as {@code <name>.enabled}. */
    String HANDLER = "intercessor.handler";

    /**
     * Service property: the handler grants what a container could otherwise never have (e.g.
     * real-time scheduling): it is off unless the operator allows it ({@code Boolean}).
     */
    String UNSAFE = "intercessor.unsafe";

    /**
     * Service property: the handler may take long or wait on what the container controls (a mount,
     * a helper process), so the core runs it off the threads that receive notifications, a few calls
     * per container at a time ({@code Boolean}).
     *
     * @since 1.2
     */
    String SLOW = "intercessor.slow";

    /** Service property: whether the handler is on when no policy says otherwise ({@code Boolean}). */
    String ENABLED_BY_DEFAULT = "intercessor.enabled.default";

    /**
     * Decides one trapped call.
     *
     * @param call   the trapped call, as the kernel reported it
     * @param target the calling process; valid only during this call (or until a deferred
     *               response completes)
     * @param policy the effective policy of the caller's container
     * @return the answer; never {@code null}
     * @throws SyscallException to fail the call with the exception's errno
     * @throws Exception        anything else fails the call with {@code ENOSYS} and is logged
     */
    Response handle(Notification call, Target target, Policy policy) throws Exception;

    /**
     * The options this handler reads with {@link Policy#value}, each keyed
     * {@code <handler>.<option>} under this handler's {@link #HANDLER} name ({@code <handler>.enabled}
     * is the core's and is not listed). Read once, when the service registers. The core shows them
     * to operators and refuses a value an option does not accept where it is set.
     *
     * @return the options; by default none
     * @since 1.3
     */
    default List<HandlerOption<?>> options() {
        return List.of();
    }
}
