package dev.intercessor.core.internal.config;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;

/**
 * Warns about configurations nothing reads, such as a file {@code etc/dev.intercesor.policy.cfg}:
 * ConfigAdmin keeps them without a word. Checked a while after the last configuration or bundle
 * change, so that a handler bundle FileInstall deploys after the configuration appeared counts.
 * Only configurations meant for Intercessor are named (a PID that says so, or a misspelling of
 * one of its PIDs): a container like Karaf has many that its code reads without a component.
 */
final class UnknownConfigurations implements ConfigurationListener {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.config");

    private final Supplier<ConfigurationAdmin> configAdmin;
    private final Descriptions descriptions;
    private final ScheduledExecutorService timer;
    private final long settleMillis;
    /** PID and origin of what was warned about, so each is named once. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private ScheduledFuture<?> pending;

    UnknownConfigurations(Supplier<ConfigurationAdmin> configAdmin, Descriptions descriptions,
            ScheduledExecutorService timer, long settleMillis) {
        this.configAdmin = configAdmin;
        this.descriptions = descriptions;
        this.timer = timer;
        this.settleMillis = settleMillis;
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            reported.removeIf(r -> r.startsWith(event.getPid() + " "));
        }
        checkLater();
    }

    /** Checks once nothing has changed for a while. */
    synchronized void checkLater() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = timer.schedule(this::check, settleMillis, TimeUnit.MILLISECONDS);
    }

    private void check() {
        ConfigurationAdmin admin = configAdmin.get();
        Set<String> known = descriptions.knownPids();
        if (admin == null || known == null) {
            return; // checked again at the next change
        }
        Configuration[] all;
        try {
            all = admin.listConfigurations(null);
        } catch (IOException | InvalidSyntaxException e) {
            LOG.log(Level.WARNING, "cannot list the configurations to check their PIDs", e);
            return;
        }
        for (Configuration c : all == null ? new Configuration[0] : all) {
            String pid = c.getFactoryPid() != null ? c.getFactoryPid() : c.getPid();
            if (c.getProperties() == null || known.contains(pid)) {
                continue;
            }
            String near = Spelling.closest(pid, known);
            if (!pid.toLowerCase(Locale.ROOT).contains("interces")
                    && (near == null || !near.startsWith(ConfigurationChecker.PREFIX))) {
                continue; // not meant for Intercessor
            }
            String origin = ConfigOrigin.of(c.getPid(), c.getProperties().get(ConfigOrigin.FILEINSTALL_FILENAME));
            if (reported.add(c.getPid() + " " + origin)) {
                LOG.log(Level.WARNING, () -> origin + ": no component reads configuration PID " + pid
                        + (near != null ? " (did you mean " + near + "?)" : "") + ": its settings have no effect");
            }
        }
    }
}
