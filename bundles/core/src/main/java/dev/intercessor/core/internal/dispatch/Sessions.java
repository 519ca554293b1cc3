package dev.intercessor.core.internal.dispatch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.intercessor.api.Errno;
import dev.intercessor.core.internal.linux.ContainerInit;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.oci.OciState;
import dev.intercessor.core.internal.policy.ContainerPolicy;
import dev.intercessor.core.internal.policy.OptionCatalog;

/**
 * The attached containers, one session per container id, and the one place sessions and their
 * policies are made. A session ends when its last channel (and pending hand-over) is gone.
 */
public final class Sessions {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.notify");

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Supplier<Map<String, String>> globalPolicy;
    private final OptionCatalog options;
    private final Consumer<Session> prepare;

    /**
     * @param globalPolicy the operator's policy, read when a container's policy is asked
     * @param options      the options of the registered handlers, which policies hold values to
     * @param prepare      what to do for a new container before its first notify fd is served (its
     *                     trapped calls wait in the kernel meanwhile); must not throw
     */
    public Sessions(Supplier<Map<String, String>> globalPolicy, OptionCatalog options, Consumer<Session> prepare) {
        this.globalPolicy = globalPolicy;
        this.options = options;
        this.prepare = prepare;
    }

    public Collection<Session> all() {
        return List.copyOf(sessions.values());
    }

    /** @return the attached container {@code containerId}, or null */
    public Session get(String containerId) {
        return sessions.get(containerId);
    }

    /**
     * @param keptInitDir the init's /proc directory as it was kept over a restart (this method's:
     *                    adopted or closed), or -1 to open it by the state's init pid
     * @return the container's session: a new one, or the one already attached under this id if
     *         the new process is in that container's namespaces (an exec); anything else with a known
     *         id is refused, so it can never take over another container's policy
     */
    Session sessionFor(OciState state, int keptInitDir) throws LinuxException {
        boolean[] adopted = {false};
        try {
            return sessionOf(state, keptInitDir, adopted);
        } finally {
            if (!adopted[0]) {
                Linux.close(keptInitDir); // a session existed already, or none could be made
            }
        }
    }

    private Session sessionOf(OciState state, int keptInitDir, boolean[] adopted) throws LinuxException {
        if (state.pid() == 0) { // crun exec: joins the container's session; admission checks its callers
            Session known = sessions.get(state.containerId());
            if (known == null) {
                throw new LinuxException("container " + state.containerId() + " is not attached, and a notify fd "
                        + "without a process (pid 0, as crun exec sends) cannot start it: refused", Errno.EPERM);
            }
            return known;
        }
        Session[] made = {null};
        LinuxException[] failed = {null};
        Session session = sessions.computeIfAbsent(state.containerId(), id -> {
            try {
                adopted[0] = keptInitDir >= 0; // adopt() owns it from here, also when it fails
                ContainerInit init = keptInitDir >= 0 ? ContainerInit.adopt(state.initPid(), keptInitDir)
                        : ContainerInit.open(state.initPid());
                made[0] = new Session(id, state.ociVersion(), init, new ContainerPolicy(id, state.annotations(),
                        state.metadata(), globalPolicy, options));
                return made[0];
            } catch (LinuxException e) {
                failed[0] = e;
                return null;
            }
        });
        if (failed[0] != null) {
            throw new LinuxException("container " + state.containerId() + ": cannot open its init "
                    + state.initPid() + " (" + failed[0].getMessage() + ")", failed[0].errno());
        }
        if (made[0] == null && !session.init().holds(state.pid())) {
            throw new LinuxException("container " + state.containerId() + " is attached already, and process "
                    + state.pid() + " is not in its pid namespace: refused", Errno.EPERM);
        }
        if (made[0] != null && session.kernelOnly()) {
            LOG.log(Level.WARNING, () -> "container " + state.containerId() + " is not user-namespaced (its root "
                    + "is host root): nothing is emulated for it, every trapped call goes to the kernel");
        }
        return session;
    }

    /** Prepares a new container once, before its first notify fd is served. */
    void prepare(Session session) {
        if (!session.kernelOnly() && session.firstAttach()) {
            prepare.accept(session);
        }
    }

    /** Marks a session taken back from the keeper as prepared (the supervisor that attached it did). */
    void prepared(Session session) {
        session.firstAttach();
    }

    /** A channel of {@code session} is gone (or a hand-over did not come): the session ends if nothing holds it. */
    void ended(Session session, boolean nothingLeft) {
        if (nothingLeft && sessions.remove(session.containerId(), session)) {
            session.init().close();
            LOG.log(Level.INFO, () -> "container " + session.containerId() + " detached ("
                    + session.seen() + " calls seen)");
        }
    }
}
