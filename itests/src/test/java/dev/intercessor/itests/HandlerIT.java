package dev.intercessor.itests;

import java.util.UUID;

import javax.inject.Inject;

import org.junit.AfterClass;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import dev.intercessor.api.SyscallHandler;

/**
 * What every handler's integration test shares: the framework of the distribution's bundles, the
 * test listener, a handler bundle to stop and start, and cleanup after the containers.
 */
public abstract class HandlerIT {

    @Inject
    protected BundleContext context;

    @AfterClass
    public static void removeEmptyParentCgroups() throws Exception {
        TestSetup.removeEmptyParentCgroups();
    }

    @Configuration
    public Option[] config() throws Exception {
        return TestSetup.framework();
    }

    /** @return a container id no other test uses: {@code it-<name>-<8 hex digits>} */
    protected static String id(String name) {
        return "it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Waits for the listener, and makes sure the bundle is started and its handler registered. */
    protected void startHandler(String bundle, String handler) throws Exception {
        TestSetup.awaitListener();
        Bundle b = TestSetup.installed(context, bundle);
        if (b.getState() != Bundle.ACTIVE) {
            b.start();
        }
        awaitHandler(handler, true);
    }

    /** Waits until the handler's service is (or is no longer) registered. */
    protected void awaitHandler(String handler, boolean present) throws Exception {
        TestSetup.waitFor(() -> (context.getServiceReferences(SyscallHandler.class,
                "(intercessor.handler=" + handler + ")").size() > 0) == present,
                handler + " handler present=" + present);
    }
}
