package dev.intercessor.itests;

import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.UUID;

import org.osgi.service.cm.ConfigurationAdmin;

import dev.intercessor.admin.Supervision;

/**
 * The operator's global policy (configuration {@value #PID}) for one test: saved when made,
 * changed by the test, put back by {@link #restore}.
 */
final class OperatorPolicy {

    static final String PID = "dev.intercessor.policy";
    /** The key whose value tells that a change has reached the core: the last one given. */
    static final String MARKER = "probe.marker";

    private final ConfigurationAdmin configAdmin;
    private final Supervision supervision;
    private final Dictionary<String, Object> saved;

    OperatorPolicy(ConfigurationAdmin configAdmin, Supervision supervision) throws Exception {
        this.configAdmin = configAdmin;
        this.supervision = supervision;
        this.saved = configAdmin.getConfiguration(PID, "?").getProperties();
    }

    /** The policy is exactly {@code keyValues} (and a new marker) once this returns. */
    void says(String... keyValues) throws Exception {
        apply(new Hashtable<>(), keyValues);
    }

    /** The saved policy plus {@code keyValues} (and a new marker) once this returns. */
    void adds(String... keyValues) throws Exception {
        Hashtable<String, Object> p = new Hashtable<>();
        if (saved != null) {
            for (Enumeration<String> keys = saved.keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                p.put(k, saved.get(k));
            }
        }
        apply(p, keyValues);
    }

    private void apply(Hashtable<String, Object> p, String... keyValues) throws Exception {
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        String marker = UUID.randomUUID().toString();
        p.put(MARKER, marker);
        configAdmin.getConfiguration(PID, "?").update(p);
        // ConfigAdmin delivers asynchronously: wait until a new container sees the marker.
        TestSetup.waitFor(() -> {
            try (Container probe = Container.start("it-probe-" + marker.substring(0, 8))) {
                TestSetup.awaitAttached(supervision, probe.id());
                return supervision.policy(probe.id()).stream()
                        .anyMatch(e -> e.key().equals(MARKER) && marker.equals(e.value()));
            }
        }, "the operator's policy to apply");
    }

    void restore() throws Exception {
        configAdmin.getConfiguration(PID, "?").update(saved);
    }
}
