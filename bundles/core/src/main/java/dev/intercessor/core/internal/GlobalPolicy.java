package dev.intercessor.core.internal;

import java.util.HashMap;
import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The global policy defaults, from configuration PID {@value #PID} (e.g. {@code etc/}
 * {@code dev.intercessor.policy.cfg}): every property is a policy key such as
 * {@code mknod.enabled=true} or {@code mount.allowed=ext4}. A container's annotations and
 * listener metadata take precedence; changes apply to the next call.
 */
@Component(service = GlobalPolicy.class, configurationPid = GlobalPolicy.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = GlobalPolicy.Config.class)
public class GlobalPolicy {

    /** The keys are the handlers' own, so the description lists none; it says what they are. */
    @ObjectClassDefinition(name = "Intercessor global policy",
            description = "Policy defaults for every container. Each property is a policy key "
                    + "<handler>.<option>, e.g. mknod.enabled=true or setxattr.allowed="
                    + "trusted.overlay.opaque=y; a container's annotations dev.intercessor.<key> and "
                    + "listenerMetadata lines <key>=<value> take precedence. Changes apply to the next call.")
    @interface Config {
    }

    public static final String PID = "dev.intercessor.policy";

    private volatile Map<String, String> values = Map.of();

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        Map<String, String> next = new HashMap<>();
        properties.forEach((key, value) -> {
            // What DS, ConfigAdmin and FileInstall add to every configuration is not policy.
            if (key.startsWith("service.") || key.startsWith("component.") || key.startsWith("osgi.")
                    || key.startsWith("felix.") || key.equals(Constants.OBJECTCLASS)) {
                return;
            }
            next.put(key, String.valueOf(value));
        });
        values = Map.copyOf(next);
    }

    /** @return the current values (an immutable snapshot) */
    public Map<String, String> values() {
        return values;
    }
}
