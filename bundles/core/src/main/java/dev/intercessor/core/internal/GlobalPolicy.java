package dev.intercessor.core.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;

import dev.intercessor.api.HandlerOption;
import dev.intercessor.core.internal.config.ConfigOrigin;
import dev.intercessor.core.internal.policy.ContainerPolicy;
import dev.intercessor.core.internal.policy.OptionCatalog;
import dev.intercessor.core.internal.policy.UndeclaredKeys;

/**
 * The operator's policy for every container, from configuration PID {@value #PID} (e.g.
 * {@code etc/dev.intercessor.policy.cfg}): every property is a policy key such as
 * {@code mknod.enabled=true} or {@code mount.allowed=ext4}, or the bound of one,
 * {@code bound.<key>}: the most a container may ask for. Changes apply to the next call. A value
 * a handler's declared option refuses is refused here, with a WARNING, and the option's default
 * applies instead; it is checked again whenever handlers come or go. What the keys are is
 * described to metatype by {@link PolicyMetaType}, from the handlers' options. A key no handler
 * declares is kept (its handler may be deployed later) and named in a WARNING once the handlers
 * have settled: usually it is a typing mistake. The warnings name the file the configuration
 * came from.
 */
@Component(service = GlobalPolicy.class, configurationPid = GlobalPolicy.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class GlobalPolicy {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.policy");

    public static final String PID = "dev.intercessor.policy";
    /** How long the handlers must be quiet before undeclared keys are named. */
    static final long SETTLE_MILLIS = 5000;

    private Map<String, String> configured = Map.of();
    private OptionCatalog options = new OptionCatalog();
    /** Refusals already logged, so a value is reported once, not at every handler change. */
    private Set<String> reported = Set.of();
    private volatile Map<String, String> values = Map.of();
    /** Where the configuration comes from: its file, for the warnings. */
    private String origin = PID;
    /** Undeclared keys already named, so each is named once per configuration. */
    private final Set<String> undeclaredReported = ConcurrentHashMap.newKeySet();
    /** Names undeclared keys once handlers have stopped coming and going for a while. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "intercessor-policy-check");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> undeclaredCheck;

    @Activate
    @Modified
    synchronized void configure(Map<String, Object> properties) {
        Map<String, String> next = new HashMap<>();
        properties.forEach((key, value) -> {
            // What DS, ConfigAdmin and FileInstall add to every configuration is not policy.
            if (key.startsWith("service.") || key.startsWith("component.") || key.startsWith("osgi.")
                    || key.startsWith("felix.") || key.equals(Constants.OBJECTCLASS)) {
                return;
            }
            next.put(key, String.valueOf(value));
        });
        configured = Map.copyOf(next);
        origin = ConfigOrigin.of(PID, properties.get(ConfigOrigin.FILEINSTALL_FILENAME));
        reported = Set.of();
        undeclaredReported.clear();
        check();
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    /** Holds the configured values to {@code catalog}'s options, now and at every {@link #check}. */
    public synchronized void useOptions(OptionCatalog catalog) {
        options = catalog;
        check();
    }

    /** Checks the configured values again: after the handlers' options changed. */
    public synchronized void check() {
        Map<String, String> accepted = new HashMap<>();
        Set<String> refused = new HashSet<>();
        configured.forEach((key, value) -> {
            boolean bound = key.startsWith(ContainerPolicy.BOUND_PREFIX);
            String optionKey = bound ? key.substring(ContainerPolicy.BOUND_PREFIX.length()) : key;
            HandlerOption<?> option = options.get(optionKey);
            String problem = option == null ? null : bound ? option.boundProblem(value) : option.problem(value);
            if (problem == null) {
                accepted.put(key, value);
                return;
            }
            refused.add(key + "=" + value);
            if (!reported.contains(key + "=" + value)) {
                LOG.log(Level.WARNING, () -> origin + ": " + key + "='" + value + "' is refused: " + problem
                        + "; the option's default '" + option.defaultText() + "' stands in until it is corrected");
            }
        });
        reported = Set.copyOf(refused);
        if (!accepted.equals(values)) {
            values = Map.copyOf(accepted); // a new map: containers look their values up again
        }
        if (undeclaredCheck != null) {
            undeclaredCheck.cancel(false);
        }
        if (!timer.isShutdown()) {
            undeclaredCheck = timer.schedule(this::reportUndeclared, SETTLE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Names the keys no registered handler declares, each once per configuration. */
    private synchronized void reportUndeclared() {
        Map<String, HandlerOption<?>> declared = options.options();
        if (declared.isEmpty()) {
            return; // no handler yet: named once one is there
        }
        configured.forEach((key, value) -> {
            String optionKey = key.startsWith(ContainerPolicy.BOUND_PREFIX)
                    ? key.substring(ContainerPolicy.BOUND_PREFIX.length()) : key;
            String problem = UndeclaredKeys.problem(optionKey, declared);
            if (problem != null && undeclaredReported.add(key + "=" + value)) {
                LOG.log(Level.WARNING, () -> origin + ": " + key + "='" + value + "' has no effect: " + problem);
            }
        });
    }

    /** @return the accepted values (an immutable snapshot, a new one whenever they change) */
    public Map<String, String> values() {
        return values;
    }
}
