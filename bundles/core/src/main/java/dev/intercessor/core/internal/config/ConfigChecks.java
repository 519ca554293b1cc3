package dev.intercessor.core.internal.config;

import java.util.Hashtable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Registers the configuration checks when the core bundle starts (from its activator,
 * {@link dev.intercessor.core.internal.CoreActivator}). Not a component: DS reads a component's
 * configuration as it enables the component, and the plugin must already be there when it reads
 * the core's own ({@code threads=four} would otherwise reach the supervisor).
 */
public final class ConfigChecks implements BundleActivator {

    /** How long configurations and bundles must be quiet before unread configurations are named. */
    static final long SETTLE_MILLIS = 5000;

    private ServiceTracker<MetaTypeService, MetaTypeService> metaType;
    private ServiceTracker<ServiceComponentRuntime, ServiceComponentRuntime> components;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdmin;
    private ScheduledExecutorService timer;
    private BundleListener bundles;
    private ServiceRegistration<?> plugin;
    private ServiceRegistration<?> listener;

    @Override
    public void start(BundleContext context) {
        metaType = new ServiceTracker<>(context, MetaTypeService.class, null);
        components = new ServiceTracker<>(context, ServiceComponentRuntime.class, null);
        configAdmin = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        metaType.open();
        components.open();
        configAdmin.open();
        Descriptions descriptions = new Descriptions(context, metaType, components);
        Hashtable<String, Object> ranking = new Hashtable<>();
        // Early among the plugins that may modify (0..1000), so later ones see checked values.
        ranking.put(ConfigurationPlugin.CM_RANKING, 100);
        plugin = context.registerService(ConfigurationPlugin.class, new ConfigurationChecker(descriptions::of), ranking);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "intercessor-config-check");
            t.setDaemon(true);
            return t;
        });
        UnknownConfigurations unknown = new UnknownConfigurations(configAdmin::getService, descriptions, timer,
                SETTLE_MILLIS);
        listener = context.registerService(ConfigurationListener.class, unknown, null);
        bundles = event -> {
            if (event.getType() == BundleEvent.STARTED || event.getType() == BundleEvent.STOPPED) {
                unknown.checkLater();
            }
        };
        context.addBundleListener(bundles);
        unknown.checkLater();
    }

    @Override
    public void stop(BundleContext context) {
        context.removeBundleListener(bundles);
        listener.unregister();
        plugin.unregister();
        timer.shutdownNow();
        configAdmin.close();
        components.close();
        metaType.close();
    }
}
