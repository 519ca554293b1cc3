package dev.intercessor.core.internal;

import java.util.HashMap;
import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;

/**
 * The global policy defaults, from configuration PID {@value #PID} (e.g. {@code etc/}
 * {@code dev.intercessor.policy.cfg}): every property is a policy key such as
 * {@code mknod.enabled=true} or {@code mount.allowed=ext4}. A container's annotations and
 * listener metadata take precedence; changes apply to the next call.
 */
@Component(service = GlobalPolicy.class, configurationPid = GlobalPolicy.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class GlobalPolicy {

    public static final String PID = "dev.intercessor.policy";

    private volatile Map<String, String> values = Map.of();

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        Map<String, String> next = new HashMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith("service.") || key.startsWith("component.")
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
