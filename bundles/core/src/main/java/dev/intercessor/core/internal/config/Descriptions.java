package dev.intercessor.core.internal.config;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ManagedService;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.util.tracker.ServiceTracker;

/**
 * What the installed bundles say about configuration PIDs: the metatype description of one, and
 * which PIDs anything reads at all (a component's configuration PID, a managed service's, or a
 * metatype description's).
 */
final class Descriptions {

    private final BundleContext context;
    private final ServiceTracker<MetaTypeService, MetaTypeService> metaType;
    private final ServiceTracker<ServiceComponentRuntime, ServiceComponentRuntime> components;

    Descriptions(BundleContext context, ServiceTracker<MetaTypeService, MetaTypeService> metaType,
            ServiceTracker<ServiceComponentRuntime, ServiceComponentRuntime> components) {
        this.context = context;
        this.metaType = metaType;
        this.components = components;
    }

    /** @return the description of {@code pid} (or factory PID), {@code null} if no bundle has one */
    ObjectClassDefinition of(String pid) {
        MetaTypeService service = metaType.getService();
        if (service == null) {
            return null;
        }
        for (Bundle bundle : context.getBundles()) {
            MetaTypeInformation info = service.getMetaTypeInformation(bundle);
            if (info != null && (contains(info.getPids(), pid) || contains(info.getFactoryPids(), pid))) {
                return info.getObjectClassDefinition(pid, null);
            }
        }
        return null;
    }

    /**
     * @return every PID something reads, or {@code null} if that cannot be told yet (no metatype
     *         service or component runtime)
     */
    Set<String> knownPids() {
        MetaTypeService service = metaType.getService();
        ServiceComponentRuntime scr = components.getService();
        if (service == null || scr == null) {
            return null;
        }
        Set<String> pids = new TreeSet<>();
        for (Bundle bundle : context.getBundles()) {
            MetaTypeInformation info = service.getMetaTypeInformation(bundle);
            if (info != null) {
                pids.addAll(List.of(info.getPids()));
                pids.addAll(List.of(info.getFactoryPids()));
            }
        }
        for (ComponentDescriptionDTO component : scr.getComponentDescriptionDTOs()) {
            if (component.configurationPid != null) {
                pids.addAll(List.of(component.configurationPid));
            }
        }
        for (String type : List.of(ManagedService.class.getName(), ManagedServiceFactory.class.getName())) {
            try {
                ServiceReference<?>[] refs = context.getAllServiceReferences(type, null);
                for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
                    Object pid = ref.getProperty(Constants.SERVICE_PID);
                    if (pid instanceof String s) {
                        pids.add(s);
                    } else if (pid instanceof String[] a) {
                        pids.addAll(List.of(a));
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e); // no filter given
            }
        }
        return pids;
    }

    private static boolean contains(String[] pids, String pid) {
        return pids != null && List.of(pids).contains(pid);
    }
}
