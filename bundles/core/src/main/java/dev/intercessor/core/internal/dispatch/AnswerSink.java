package dev.intercessor.core.internal.dispatch;

import dev.intercessor.api.Response;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;

/**
 * Where the dispatcher's answers go: to the kernel in production, anywhere else to measure the
 * dispatch path alone (the JMH benchmark in bench/jmh).
 */
@FunctionalInterface
public interface AnswerSink {

    /**
     * Sends {@code response} for notification {@code id}. For {@link Response.Kind#INJECT_FD} the
     * sink owns the fd from then on.
     *
     * @return for {@link Response.Kind#INJECT_FD} the caller's new descriptor, else 0
     */
    long answer(int notifyFd, Seccomp.Buffers buffers, long id, Response response) throws LinuxException;

    /** The kernel: NOTIF_SEND, or NOTIF_ADDFD with SEND for an injected fd. */
    AnswerSink KERNEL = (fd, buffers, id, response) -> {
        switch (response.kind()) {
            case CONTINUE:
                Seccomp.send(fd, buffers, id, 0, 0, true);
                return 0;
            case VALUE:
                Seccomp.send(fd, buffers, id, response.value(), 0, false);
                return 0;
            case ERRNO:
                Seccomp.send(fd, buffers, id, 0, response.errno(), false);
                return 0;
            case INJECT_FD:
                try {
                    return Seccomp.addFdAndSend(fd, buffers, id, response.fd(), response.closeOnExec());
                } finally {
                    Linux.close(response.fd());
                }
            default:
                throw new IllegalStateException("cannot send " + response);
        }
    };
}
