package dev.intercessor.core.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.intercessor.api.SyscallHandler;
import dev.intercessor.core.internal.acting.LxcfsViews;
import dev.intercessor.core.internal.dispatch.AnswerSink;
import dev.intercessor.core.internal.dispatch.Channels;
import dev.intercessor.core.internal.dispatch.Dispatcher;
import dev.intercessor.core.internal.dispatch.ListenerHandOver;
import dev.intercessor.core.internal.dispatch.Sessions;
import dev.intercessor.core.internal.dispatch.HandlerBinding;
import dev.intercessor.core.internal.dispatch.HandlerRegistry;
import dev.intercessor.core.internal.dispatch.Multiplexer;
import dev.intercessor.core.internal.dispatch.NotifyChannel;
import dev.intercessor.core.internal.dispatch.RelayedNotifications;
import dev.intercessor.core.internal.dispatch.Session;
import dev.intercessor.core.internal.linux.HostFacilities;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.oci.OciState;
import dev.intercessor.core.internal.policy.OptionCatalog;
import dev.intercessor.core.internal.record.CallLog;

/**
 * The notification engine: tracks {@link SyscallHandler} services, owns the multiplexer, and takes
 * the notify fds that runtime listeners receive.
 */
@Component(service = Supervisor.class, immediate = true, configurationPid = Supervisor.PID)
@Designate(ocd = Supervisor.Config.class)
public class Supervisor {

    public static final String PID = "dev.intercessor.core";

    @ObjectClassDefinition(name = "Intercessor supervisor",
            description = "The threads that receive and answer trapped system calls.")
    public @interface Config {
        @AttributeDefinition(min = "0", description = "Threads serving all notify fds (0: three per CPU, at least 6). "
                + "A thread stays briefly with a busy container, so a few more threads than CPUs keep "
                + "the others served.")
        int threads() default 0;

        @AttributeDefinition(min = "0", description = "How long a thread waits on the notify fd of the container "
                + "it just served for that container's next call, in µs (0: straight back to epoll). "
                + "Woken there, it runs on the caller's CPU; woken through epoll, it may not.")
        int lingerMicros() default 100;

        @AttributeDefinition(min = "1", description = "How many calls of one container a thread serves in a row "
                + "before it turns to the others.")
        int burst() default 64;

        @AttributeDefinition(min = "-1", description = "Threads that may stay with a busy container, blocked on its "
                + "notify fd, until it has been quiet for hotIdleMillis (-1: threads - 1, so one "
                + "always serves the others; at most threads - 1; 0: none).")
        int hotThreads() default -1;

        @AttributeDefinition(min = "1", description = "How long a busy container may be quiet before its hot "
                + "thread goes back to serving every container, in ms (it goes within twice that).")
        int hotIdleMillis() default 10;

        @AttributeDefinition(min = "1", description = "How long a slow handler, or one that answers later, may "
                + "take, in ms, before the call fails with EINTR.")
        long deferredTimeoutMillis() default 30_000;

        @AttributeDefinition(min = "1", description = "How long a handler may hold a notify thread, in ms, before "
                + "the call is answered with EINTR and another thread takes its place (a handler can block "
                + "on what the container controls, e.g. a page of its memory behind a filesystem that waits).")
        int stuckCallMillis() default 5_000;

        @AttributeDefinition(min = "1", description = "Calls of slow handlers (mount) one container may have "
                + "running at once; more get EAGAIN. They run off the notify threads.")
        int slowCallsPerContainer() default 4;

        @AttributeDefinition(description = "The mount handler's FUSE helper (relative: to the "
                + "distribution's directory).")
        String fuseHelper() default "libexec/intercessor-fuse";

        @AttributeDefinition(description = "Where the supervisor mounts the small tmpfs that holds "
                + "device nodes made usable for containers (see the mknod handler).")
        String deviceStore() default "/run/intercessor/devices";

        @AttributeDefinition(description = "The fd keeper's socket: a small process that holds the running "
                + "containers' notify fds while the supervisor restarts or is upgraded (calls wait meanwhile); "
                + "empty: none, and containers then lose their emulation when the supervisor stops.")
        String keeperSocket() default "/run/intercessor/keeper.sock";

        @AttributeDefinition(description = "The fd keeper program, started if none listens on keeperSocket "
                + "(relative: to the distribution's directory).")
        String keeperProgram() default "libexec/intercessor-keeper";

        @AttributeDefinition(min = "0", description = "After a restart, how long the notify fds taken back from the keeper "
                + "wait (their calls waiting in the kernel) for the handlers the last run had, in ms.")
        int restoreWaitMillis() default 10_000;

        @AttributeDefinition(min = "0", description = "How many device nodes one container may have made usable "
                + "from the device store (counted for the container's life); beyond that mknod fails "
                + "with ENOSPC and leaves no node.")
        int deviceNodesPerContainer() default 256;
    }

    private static final Logger LOG = System.getLogger("dev.intercessor.core");

    private final HandlerRegistry registry = new HandlerRegistry();
    private final CallLog calls = new CallLog();
    /** The device store, FUSE helper and host cgroup mounts every call is served with. */
    private final HostFacilities host = new HostFacilities();
    private Dispatcher dispatcher;
    private Sessions sessions;
    private Channels channels;

    @Reference
    private GlobalPolicy globalPolicy;

    private Multiplexer multiplexer;
    /** Carries the containers over a restart; null: no keeper configured. */
    private Restore restore;
    private final Health health = new Health(registry, calls);
    private BundleContext context;
    private volatile boolean active;

    /** The paths this supervisor must have to itself, claimed before it touches them. */
    private final List<InstanceLock> claims = new ArrayList<>();

    @Activate
    void activate(Config config, BundleContext context) throws LinuxException, IOException {
        this.context = context;
        try {
            claims.add(InstanceLock.claim(Path.of(config.deviceStore()), "deviceStore"));
            if (!config.keeperSocket().isEmpty()) {
                claims.add(InstanceLock.claim(Path.of(config.keeperSocket()), "keeperSocket"));
            }
            start(config);
        } catch (IOException | LinuxException | RuntimeException e) {
            deactivate(); // what was set up goes again: SCR does not deactivate what failed to activate
            throw e;
        }
    }

    private void start(Config config) throws LinuxException, IOException {
        globalPolicy.useOptions(registry.options());
        host.deviceStore().mount(config.deviceStore());
        host.limitDeviceNodesPerContainer(config.deviceNodesPerContainer());
        host.useFuseHelper(java.nio.file.Path.of(config.fuseHelper()).toAbsolutePath());
        int threads = config.threads() > 0 ? config.threads()
                : Math.max(6, 3 * Runtime.getRuntime().availableProcessors());
        int hotThreads = config.hotThreads() < 0 ? threads - 1 : config.hotThreads();
        sessions = new Sessions(globalPolicy::values, registry.options(), LxcfsViews::prepare);
        multiplexer = new Multiplexer(threads, config.lingerMicros(), config.burst(), hotThreads,
                config.hotIdleMillis(), config.stuckCallMillis());
        channels = new Channels(sessions, multiplexer);
        dispatcher = new Dispatcher(registry, calls, AnswerSink.KERNEL,
                new ListenerHandOver(channels, multiplexer.timer()), host);
        dispatcher.setDeferredTimeoutMillis(config.deferredTimeoutMillis());
        dispatcher.setSlowCallsPerContainer(config.slowCallsPerContainer());
        multiplexer.start(dispatcher, channels);
        LOG.log(Level.INFO, "supervisor started with " + threads + " notify threads ("
                + multiplexer.hotThreads() + " may stay with a busy container)");
        health.serving(multiplexer, sessions, threads);
        if (!config.keeperSocket().isEmpty()) {
            restore = Restore.connect(config.keeperSocket(), Path.of(config.keeperProgram()).toAbsolutePath(), registry);
        }
        active = true;
        if (restore != null) {
            restore.takeBack(channels, sessions, dispatcher, config.restoreWaitMillis());
        }
        writeHandlers();
    }

    /** Whether containers were attached when serving stopped (their fds are then kept for the next run). */
    private volatile boolean containersRunAtStop;

    private synchronized void stopServing() {
        if (!sessions.all().isEmpty()) {
            containersRunAtStop = true;
        }
        multiplexer.close();
    }

    /** @return whether the framework is stopping (or this component's context is no longer valid) */
    private boolean frameworkStopping() {
        if (context == null) {
            return false;
        }
        try {
            return context.getBundle(0).getState() == Bundle.STOPPING;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /** Writes the handlers bound now for the next run (not while the framework stops: they leave first). */
    private void writeHandlers() {
        if (active && restore != null && !frameworkStopping()) {
            restore.writeHandlers();
        }
    }

    /**
     * A changed configuration must not drop the attached containers (their notify fds cannot be
     * had again): the timeout applies at once, the thread count and device store at the next start.
     */
    @Modified
    void modified(Config config) {
        host.limitDeviceNodesPerContainer(config.deviceNodesPerContainer());
        dispatcher.setDeferredTimeoutMillis(config.deferredTimeoutMillis());
        dispatcher.setSlowCallsPerContainer(config.slowCallsPerContainer());
        LOG.log(Level.INFO, "configuration changed: deferredTimeoutMillis and slowCallsPerContainer apply now; threads, "
                + "lingerMicros, burst, hotThreads, hotIdleMillis and deviceStore apply when the "
                + "supervisor next starts");
    }

    @Deactivate
    void deactivate() {
        active = false;
        if (restore != null) {
            restore.cancel();
        }
        if (multiplexer != null) {
            stopServing();
            channels.close();
            dispatcher.close();
        }
        host.deviceStore().unmount(); // first: the keeper's directory may then be left empty, and go
        if (restore != null) {
            restore.close(containersRunAtStop);
        }
        claims.forEach(InstanceLock::close);
        claims.clear();
    }

    @Reference(service = SyscallHandler.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindHandler(SyscallHandler handler, ServiceReference<SyscallHandler> reference) {
        HandlerBinding binding = HandlerServices.binding(handler, reference);
        List<HandlerRegistry.Rejection> before = registry.rejections();
        registry.add(binding);
        globalPolicy.check();
        writeHandlers();
        if (restore != null) {
            restore.handlersChanged();
        }
        List<String> serving = registry.serving(binding);
        if (!serving.isEmpty()) {
            LOG.log(Level.INFO, () -> "handler " + describe(binding) + " is available for " + serving);
        }
        // Its own problems, and those of handlers it now wins against.
        for (HandlerRegistry.Rejection r : registry.rejections()) {
            if (!before.contains(r)) {
                LOG.log(Level.WARNING, () -> "handler " + describe(r.binding())
                        + (registry.serving(r.binding()).isEmpty() ? " is rejected: " : ": ") + r.reason());
            }
        }
    }

    private static String describe(HandlerBinding b) {
        return b.name() + " " + b.syscalls() + " (service " + b.serviceId() + ") from " + b.bundle();
    }

    void unbindHandler(SyscallHandler handler, ServiceReference<SyscallHandler> reference) {
        if (frameworkStopping() && multiplexer != null) {
            // The framework stops its bundles one by one, handlers first: stop serving before one
            // goes, so no call meanwhile gets the kernel's answer. The keeper holds the fds; their
            // calls wait for the next run.
            stopServing();
        }
        registry.remove((Long) reference.getProperty(Constants.SERVICE_ID));
        globalPolicy.check();
        writeHandlers();
        LOG.log(Level.INFO, () -> "handler " + reference.getProperty(SyscallHandler.HANDLER) + " is gone");
    }

    /** @return the options of the registered handlers */
    public OptionCatalog options() {
        return registry.options();
    }

    /** Takes over a notify fd; on failure the fd is closed. */
    public NotifyChannel attach(OciState state, int notifyFd) throws LinuxException {
        NotifyChannel channel = channels.attach(state, notifyFd);
        LOG.log(Level.INFO, () -> "container " + state.containerId() + " attached: pid " + state.pid()
                + ", runtime " + state.ociVersion() + ", " + channel.session().channels().size()
                + " notify fd(s)");
        return channel;
    }

    /** Takes over a container whose runtime relays its notifications; on failure fd and relay are closed. */
    public NotifyChannel attachRelayed(OciState state, int notifyFd, RelayedNotifications relay) throws LinuxException {
        NotifyChannel channel = channels.attachRelayed(state, notifyFd, relay);
        LOG.log(Level.INFO, () -> "container " + state.containerId() + " attached: init " + state.pid()
                + ", runtime " + state.ociVersion() + " (relayed), " + channel.session().channels().size()
                + " notify fd(s)");
        return channel;
    }

    /** A listener's health ({@code check} says null when healthy); null {@code check}: it is gone. */
    public void listenerHealth(String name, java.util.function.Supplier<String> check) {
        health.listener(name, check);
    }

    /** @return the health checks (see {@link dev.intercessor.admin.Supervision#health}) */
    public List<dev.intercessor.admin.HealthCheck> health() {
        return health.checks();
    }

    /** Counts a connection a runtime-facing socket refused ({@code listener}: oci, lxc). */
    public void countRefused(String listener) {
        health.countRefused(listener);
    }

    /** @return the counters a metrics exporter publishes */
    public dev.intercessor.admin.SupervisorMetrics metrics() {
        return health.metrics();
    }

    public Collection<Session> sessions() {
        return sessions.all();
    }

    /** @return the attached container {@code containerId}, or {@code null} */
    public Session session(String containerId) {
        return sessions.get(containerId);
    }

    public HandlerRegistry handlers() {
        return registry;
    }

    /** @return the statistics and recent decisions */
    public CallLog calls() {
        return calls;
    }
}
