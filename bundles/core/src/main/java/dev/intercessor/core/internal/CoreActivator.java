package dev.intercessor.core.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import dev.intercessor.core.internal.config.ConfigChecks;
import dev.intercessor.core.internal.dispatch.SyscallTable;
import dev.intercessor.core.internal.linux.Linux;

/**
 * The core bundle's activator. It registers the configuration checks (DS must find them when it
 * reads the core's configurations), then loads the native binding and the syscall tables on a
 * thread of its own while the framework starts the other bundles: they take a few hundred
 * milliseconds of the supervisor's start-up, which need not wait for them unless it gets there
 * first (class initialisation then waits for this thread to finish).
 */
public final class CoreActivator implements BundleActivator {

    private static final Logger LOG = System.getLogger("dev.intercessor.core");

    private final ConfigChecks checks = new ConfigChecks();

    @Override
    public void start(BundleContext context) {
        checks.start(context);
        Thread load = new Thread(CoreActivator::load, "intercessor-load");
        load.setDaemon(true);
        load.start();
    }

    private static void load() {
        try {
            Linux.runtime();
            SyscallTable.all();
        } catch (Throwable e) { // LinkageError above all: the supervisor cannot start without them
            LOG.log(Level.ERROR, "cannot load the native binding (jnr-ffi) or the syscall tables; "
                    + "the supervisor will not start", e);
        }
    }

    @Override
    public void stop(BundleContext context) {
        checks.stop(context);
    }
}
