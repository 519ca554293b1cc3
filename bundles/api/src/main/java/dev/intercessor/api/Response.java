package dev.intercessor.api;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * The answer to a trapped call: exactly the outcomes the kernel offers
 * ({@code struct seccomp_notif_resp} and {@code SECCOMP_IOCTL_NOTIF_ADDFD}), plus a deferred
 * answer for slow handlers.
 */
public final class Response {

    /** What the kernel is told. */
    public enum Kind {
        /** The call returns {@code -1} with {@link #errno()}. */
        ERRNO,
        /** The call returns {@link #value()}. */
        VALUE,
        /** The kernel runs the call itself, as if it had not been trapped. */
        CONTINUE,
        /** {@link #fd()} is installed in the caller, and the call returns the new descriptor. */
        INJECT_FD,
        /** The answer follows when {@link #deferred()} completes. */
        LATER
    }

    private static final Response CONTINUE = new Response(Kind.CONTINUE, 0, 0, -1, false, null);
    private static final Response ZERO = new Response(Kind.VALUE, 0, 0, -1, false, null);

    private final Kind kind;
    private final long value;
    private final int errno;
    private final int fd;
    private final boolean closeOnExec;
    private final CompletionStage<Response> deferred;

    private Response(Kind kind, long value, int errno, int fd, boolean closeOnExec,
            CompletionStage<Response> deferred) {
        this.kind = kind;
        this.value = value;
        this.errno = errno;
        this.fd = fd;
        this.closeOnExec = closeOnExec;
        this.deferred = deferred;
    }

    /**
     * @param errno a positive error number (see {@link Errno})
     * @return the call fails with {@code errno}
     */
    public static Response errno(int errno) {
        if (errno <= 0 || errno > 4095) {
            throw new IllegalArgumentException("errno out of range: " + errno);
        }
        return new Response(Kind.ERRNO, 0, errno, -1, false, null);
    }

    /**
     * @param value the call's return value
     * @return the call succeeds with {@code value}
     */
    public static Response value(long value) {
        return value == 0 ? ZERO : new Response(Kind.VALUE, value, 0, -1, false, null);
    }

    /** @return the kernel runs the call itself (it stays the judge) */
    public static Response continueSyscall() {
        return CONTINUE;
    }

    /**
     * Installs one of the supervisor's file descriptors in the caller and makes the call return it.
     * The core owns {@code fd} from then on and closes it after the answer, whatever happens.
     *
     * @param fd          a descriptor open in the supervisor
     * @param closeOnExec whether the caller's copy gets {@code O_CLOEXEC}
     * @return the call returns the caller's new descriptor
     */
    public static Response injectFd(int fd, boolean closeOnExec) {
        if (fd < 0) {
            throw new IllegalArgumentException("bad fd " + fd);
        }
        return new Response(Kind.INJECT_FD, 0, 0, fd, closeOnExec, null);
    }

    /**
     * Answers later, without holding up the notifications of anyone else. If the stage fails, the
     * call fails as if the handler had thrown; if it does not complete within the core's deadline,
     * the call fails with {@code EINTR}.
     *
     * <p>The call's {@link Target} stays usable, from any thread, until the stage completes (it is
     * closed once the answer is sent); it is not thread-safe: use it from one thread at a time,
     * and not after completing the stage. A handler whose work may block on something the container
     * controls is better marked {@link SyscallHandler#SLOW}: it then runs on a thread of its own,
     * with a per-container bound, and may simply return its answer.
     *
     * @param answer completes with the real answer (not itself {@link Kind#LATER})
     * @return a deferred answer
     */
    public static Response later(CompletionStage<Response> answer) {
        return new Response(Kind.LATER, 0, 0, -1, false, Objects.requireNonNull(answer, "answer"));
    }

    public Kind kind() {
        return kind;
    }

    public long value() {
        return value;
    }

    public int errno() {
        return errno;
    }

    public int fd() {
        return fd;
    }

    public boolean closeOnExec() {
        return closeOnExec;
    }

    public CompletionStage<Response> deferred() {
        return deferred;
    }

    @Override
    public String toString() {
        switch (kind) {
            case ERRNO: return "errno " + Errno.name(errno);
            case VALUE: return "value " + value;
            case CONTINUE: return "continue";
            case INJECT_FD: return "inject fd " + fd + (closeOnExec ? " (cloexec)" : "");
            default: return "later";
        }
    }
}
