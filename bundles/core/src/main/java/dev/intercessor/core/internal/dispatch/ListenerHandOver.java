package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.intercessor.api.Errno;
import dev.intercessor.api.HandlerOption;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.linux.SeccompNotif;
import dev.intercessor.api.Response;

/**
 * The doorbell: how a container process hands the supervisor a seccomp listener of its own, so a
 * filter it installs itself (for numbers no OCI runtime can name, {@code libexec/intercessor-init})
 * is served as part of its container.
 *
 * <p>The kernel allows one live listener in a process's filter chain
 * ({@code has_duplicate_listener}: a second {@code SECCOMP_FILTER_FLAG_NEW_LISTENER} is
 * {@code EBUSY}), and the runtime's filter has one. So the hand-over is in two steps:
 * <ol>
 * <li>The process rings the doorbell on the runtime's channel: {@code ioctl(fd, }{@value #MAGIC}
 * {@code , 0)}, which the runtime profile notifies only with that request argument, naming the fd
 * number where it will put its listener (open now, not a listener yet). The call arrives on the
 * container's channel, so the kernel vouches for whose it is; we open a pidfd for the caller and
 * check the call still waits, answer 0, and let go of the runtime's listener, which frees the
 * process to make its own. The session stays, held for the hand-over.</li>
 * <li>We take fd {@code fd} from that process through the pidfd ({@code pidfd_getfd}) every few
 * milliseconds until it is a seccomp notify fd, and serve it as another channel of the same
 * session (same container, same policy), admitted once a caller on it is in the container's pid
 * namespace. The process confirms with the same doorbell on its new filter, answered 0 once we
 * serve it.</li>
 * </ol>
 * Answers to the first step: {@code EPERM} if policy {@value #POLICY_KEY} is off or the container
 * is not user-namespaced (every trapped call goes to the kernel), {@code EMFILE}
 * beyond {@link #LIMIT} such channels per container, {@code EBADF} if the caller has no fd
 * {@code fd}.
 */
public final class ListenerHandOver {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.notify");

    /**
     * The doorbell's ioctl request: no real ioctl (its size field says 15889 bytes, which no
     * driver's argument has), so runtime profiles can trap exactly it by its argument.
     */
    static final long MAGIC = 0x7E11BE11L;
    /** Listeners handed over (or on their way) per container. */
    static final int LIMIT = 4;
    /** On by default: a container only reaches it through a profile that notifies it (README). */
    static final HandlerOption<Boolean> ENABLED = HandlerOption.bool("doorbell.enabled", true,
            "whether a container process may hand the supervisor a seccomp listener of its own "
                    + "(intercessor-init --trap: user-space-defined syscalls), at most " + LIMIT + " per container");
    static final String POLICY_KEY = ENABLED.key();
    private static final long POLL_MILLIS = 2;
    private static final long GIVE_UP_MILLIS = 5_000;

    /** {@code ioctl}'s number per table, -1 where an architecture has none. */
    private static final int[] IOCTL = new int[SyscallTable.all().length];

    static {
        for (SyscallTable t : SyscallTable.all()) {
            IOCTL[t.index()] = t.number("ioctl");
        }
    }

    private final Channels channels;
    private final ScheduledExecutorService timer;

    /**
     * @param channels where a listener handed over is attached
     * @param timer    runs the attempts to take it
     */
    public ListenerHandOver(Channels channels, ScheduledExecutorService timer) {
        this.channels = channels;
        this.timer = timer;
    }

    /** @return whether {@code call} (of table {@code arch}, null if none) is the doorbell */
    static boolean rings(SyscallTable arch, SeccompNotif call) {
        // The kernel's ioctl takes an unsigned int request: the upper half is not part of it.
        return arch != null && IOCTL[arch.index()] == call.nr() && (call.arg(1) & 0xffffffffL) == MAGIC;
    }

    /**
     * Answers the doorbell {@code call}.
     *
     * @return whether {@code channel} was let go of (the caller is making its own listener)
     */
    boolean answer(NotifyChannel channel, Seccomp.Buffers buffers, SeccompNotif call) {
        long id = call.id();
        int pid = call.pid();
        int fd = (int) call.arg(0);
        Session session = channel.session();
        session.received();
        if (channel.handedOver()) {
            reply(channel, buffers, id, 0); // the confirmation: this listener is served
            return false;
        }
        if (session.kernelOnly()) {
            LOG.log(Level.INFO, () -> "container " + session.containerId() + ": process " + pid
                    + " rang the doorbell, but the container is not user-namespaced (every trapped call goes to "
                    + "the kernel): EPERM");
            reply(channel, buffers, id, Errno.EPERM);
            return false;
        }
        if (!session.policy().value(ENABLED)) {
            LOG.log(Level.INFO, () -> "container " + session.containerId() + ": process " + pid
                    + " rang the doorbell, which policy " + POLICY_KEY + " turns off: EPERM");
            reply(channel, buffers, id, Errno.EPERM);
            return false;
        }
        if (!session.reserveHandOver(LIMIT)) {
            LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": process " + pid
                    + " rang the doorbell, but " + LIMIT + " listeners of this container are served already: EMFILE");
            reply(channel, buffers, id, Errno.EMFILE);
            return false;
        }
        int pidfd = -1;
        boolean handedOver = false;
        try {
            pidfd = Linux.pidfdOpenThread(pid);
            if (!Seccomp.idValid(channel.fd(), buffers.resp, id)) {
                return false; // the pid may be another process's by now: nothing learnt
            }
            String link = link(pidfd, fd);
            if (link == null) {
                reply(channel, buffers, id, Errno.EBADF);
                return false;
            }
            if (!reply(channel, buffers, id, 0)) {
                return false;
            }
            LOG.log(Level.INFO, () -> "container " + session.containerId() + ": process " + pid
                    + " hands over a listener of its own (fd " + fd + "); its runtime listener is let go");
            int taken = pidfd;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GIVE_UP_MILLIS);
            timer.schedule(() -> take(session, taken, pid, fd, deadline), POLL_MILLIS, TimeUnit.MILLISECONDS);
            pidfd = -1;
            handedOver = true;
            return true;
        } catch (LinuxException e) {
            // ESRCH: the caller is gone (the answer then fails harmlessly); anything else (a
            // kernel without PIDFD_THREAD) must still end its wait.
            LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": cannot pin process " + pid
                    + " that rang the doorbell (" + e.getMessage() + "): ENOSYS");
            reply(channel, buffers, id, Errno.ENOSYS);
            return false;
        } finally {
            Linux.close(pidfd);
            if (!handedOver) {
                session.endHandOver(false); // its runtime channel is still there: the session stays
            }
        }
    }

    /** One attempt to take the listener; the next is scheduled unless it is done or hopeless. */
    private void take(Session session, int pidfd, int pid, int fd, long deadline) {
        boolean again = false;
        boolean attached = false;
        try {
            int copy;
            try {
                copy = Linux.pidfdGetfd(pidfd, fd);
            } catch (LinuxException e) {
                LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": process " + pid
                        + " ended or closed fd " + fd + " before handing over a listener (" + e.getMessage() + ")");
                return;
            }
            if (Seccomp.isNotifyFd(copy)) {
                try {
                    channels.attachHandedOver(session, copy, pid);
                    attached = true;
                    LOG.log(Level.INFO, () -> "container " + session.containerId() + ": process " + pid
                            + "'s own listener is served");
                } catch (LinuxException e) { // attach closed the copy
                    LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": cannot serve process "
                            + pid + "'s listener: " + e.getMessage());
                }
                return;
            }
            Linux.close(copy);
            if (System.nanoTime() - deadline >= 0) {
                LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": process " + pid
                        + " rang the doorbell but its fd " + fd + " did not become a seccomp listener within "
                        + GIVE_UP_MILLIS + " ms: given up");
                return;
            }
            timer.schedule(() -> take(session, pidfd, pid, fd, deadline), POLL_MILLIS, TimeUnit.MILLISECONDS);
            again = true;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, () -> "container " + session.containerId() + ": hand-over of process " + pid
                    + "'s listener abandoned: " + e);
        } finally {
            if (!again) {
                Linux.close(pidfd);
                if (!attached) {
                    channels.abandonHandOver(session);
                }
            }
        }
    }

    /** @return the /proc/self/fd link of the caller's {@code fd}, or null if it has none */
    private static String link(int pidfd, int fd) {
        int copy;
        try {
            copy = Linux.pidfdGetfd(pidfd, fd);
        } catch (LinuxException e) {
            return null;
        }
        try {
            return readLink(copy);
        } finally {
            Linux.close(copy);
        }
    }

    private static String readLink(int fd) {
        try {
            return new String(Linux.readlinkat(Linux.AT_FDCWD, "/proc/self/fd/" + fd),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (LinuxException e) {
            return "";
        }
    }

    /** @return whether the caller got the answer */
    private static boolean reply(NotifyChannel channel, Seccomp.Buffers buffers, long id, int errno) {
        // -1: ENOENT, the caller is gone
        return channel.answer(AnswerSink.KERNEL, buffers, id, errno == 0 ? Response.value(0) : Response.errno(errno)) >= 0;
    }
}
