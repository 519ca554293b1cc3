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
     */
    void answer(int notifyFd, Seccomp.Buffers buffers, long id, Response response) throws LinuxException;

    /** The kernel: NOTIF_SEND, or NOTIF_ADDFD with SEND for an injected fd. */
    AnswerSink KERNEL = (fd, buffers, id, response) -> {
        switch (response.kind()) {
            case CONTINUE:
                Seccomp.send(fd, buffers, id, 0, 0, true);
                break;
            case VALUE:
                Seccomp.send(fd, buffers, id, response.value(), 0, false);
                break;
            case ERRNO:
                Seccomp.send(fd, buffers, id, 0, response.errno(), false);
                break;
            case INJECT_FD:
                try {
                    Seccomp.addFdAndSend(fd, buffers, id, response.fd(), response.closeOnExec());
                } finally {
                    Linux.close(response.fd());
                }
                break;
            default:
                throw new IllegalStateException("cannot send " + response);
        }
    };
}
