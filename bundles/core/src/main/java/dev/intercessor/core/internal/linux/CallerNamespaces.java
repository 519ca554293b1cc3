package dev.intercessor.core.internal.linux;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.intercessor.api.CallerNamespace;
import dev.intercessor.api.Errno;
import dev.intercessor.api.NamespaceAction;
import dev.intercessor.api.SyscallException;

/**
 * A caller's namespaces, reached through its checked /proc directory: entering its UTS, IPC and
 * network namespaces for an action, naming them, and acting on a thread of its pid namespace
 * (scheduling) by number without ever reaching another.
 */
final class CallerNamespaces {

    private static final int CLONE_NEWUTS = 0x04000000;
    private static final int CLONE_NEWIPC = 0x08000000;
    private static final int CLONE_NEWNET = 0x40000000;

    private CallerNamespaces() {
    }

    /** @return the text of the caller's {@code /proc/<tid>/ns/<namespace>} link, e.g. {@code pid:[4026531836]} */
    static String link(ProcTarget caller, String namespace) throws SyscallException {
        try {
            return new String(Linux.readlinkat(caller.procDir(), "ns/" + namespace), StandardCharsets.ISO_8859_1);
        } catch (LinuxException e) {
            throw caller.gone();
        }
    }

    /** {@link dev.intercessor.api.Target#namespaceInode}. */
    static long inode(ProcTarget caller, String namespace) throws SyscallException {
        if (!namespace.matches("[a-z_]+")) {
            throw new SyscallException(Errno.EINVAL, "bad namespace name " + namespace);
        }
        String link = link(caller, namespace);
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.length() - 1));
    }

    /** {@link dev.intercessor.api.Scheduling#setScheduler}: {@code pid} as the caller's pid namespace numbers it. */
    static void setScheduler(ProcTarget caller, int pid, int policy, int priority) throws SyscallException {
        if (pid < 0) {
            throw new SyscallException(Errno.EINVAL, "negative pid " + pid);
        }
        String namespace = link(caller, "pid");
        int hostTid = pid == 0 ? caller.pid() : PidNamespaces.hostTid(namespace, pid);
        if (hostTid <= 0) {
            throw new SyscallException(Errno.ESRCH, "no thread " + pid + " in the caller's pid namespace");
        }
        // sched_setscheduler takes a number. Hold the thread by a pidfd, check the number is still
        // that thread of the caller's namespace, and act only while the pidfd says it lives: a tid
        // is not reused while its thread lives, so the number meant it throughout.
        int pidfd;
        try {
            pidfd = Linux.pidfdOpenThread(hostTid);
        } catch (LinuxException e) {
            throw new SyscallException(Errno.ESRCH, "thread " + pid + " ended");
        }
        try {
            if (pid != 0 && !PidNamespaces.is(hostTid, namespace, pid) || Linux.exited(pidfd)) {
                throw new SyscallException(Errno.ESRCH, "thread " + pid + " ended");
            }
            if (!caller.stillWaiting()) {
                throw caller.gone();
            }
            SchedulerCalls.set(hostTid, policy, priority);
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            Linux.close(pidfd);
        }
    }

    /**
     * Enters the caller's namespaces with setns on this thread only (UTS, IPC and network belong to
     * a thread, unlike mount and user), runs the action, and enters this thread's own again; a
     * thread that cannot get back ends, as with {@link ProcTarget#asCaller}.
     */
    static <T> T run(ProcTarget caller, Set<CallerNamespace> namespaces, NamespaceAction<T> action)
            throws SyscallException {
        List<CallerNamespace> which = namespaces.isEmpty() ? List.of()
                : List.copyOf(EnumSet.copyOf(namespaces)); // one order: entered, then left in reverse
        int[] own = new int[which.size()];
        int[] theirs = new int[which.size()];
        Arrays.fill(own, -1);
        Arrays.fill(theirs, -1);
        int entered = 0;
        try {
            for (int i = 0; i < which.size(); i++) {
                String name = nsName(which.get(i));
                own[i] = Linux.openat(Linux.AT_FDCWD, "/proc/thread-self/ns/" + name, Linux.O_RDONLY);
                theirs[i] = caller.openProcFile("ns/" + name, Linux.O_RDONLY);
            }
            if (!caller.stillWaiting()) {
                throw caller.gone();
            }
            for (; entered < which.size(); entered++) {
                Linux.setns(theirs[entered], nsType(which.get(entered)));
            }
            return action.run();
        } catch (LinuxException e) {
            throw e.toSyscallException();
        } finally {
            for (int i = entered - 1; i >= 0; i--) {
                try {
                    Linux.setns(own[i], nsType(which.get(i)));
                } catch (LinuxException e) {
                    closeAll(own, theirs);
                    throw new CallerIdentity.IdentityStuck("cannot return to this thread's own "
                            + nsName(which.get(i)) + " namespace (errno " + e.errno() + ")");
                }
            }
            closeAll(own, theirs);
        }
    }

    private static void closeAll(int[]... fdSets) {
        for (int[] fds : fdSets) {
            for (int fd : fds) {
                Linux.close(fd);
            }
        }
    }

    private static String nsName(CallerNamespace namespace) {
        switch (namespace) {
            case UTS: return "uts";
            case NET: return "net";
            default: return "ipc";
        }
    }

    private static int nsType(CallerNamespace namespace) {
        switch (namespace) {
            case UTS: return CLONE_NEWUTS;
            case NET: return CLONE_NEWNET;
            default: return CLONE_NEWIPC;
        }
    }
}
