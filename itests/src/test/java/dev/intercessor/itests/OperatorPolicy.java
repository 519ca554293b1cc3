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
        long start = System.nanoTime();
        int probes = 0;
        String seen = null;
        while (true) {
            try (Container probe = Container.start("it-probe-" + marker.substring(0, 8) + "-" + probes)) {
                TestSetup.awaitAttached(supervision, probe.id());
                probes++;
                seen = supervision.policy(probe.id()).stream().filter(e -> e.key().equals(MARKER))
                        .map(e -> e.value()).findFirst().orElse("none");
            }
            if (marker.equals(seen)) {
                return;
            }
            if (System.nanoTime() - start > 30_000_000_000L) { // each probe is a container start: seconds on a busy CI host
                throw new AssertionError("timed out waiting for the operator's policy to apply: " + probes
                        + " probe containers in " + (System.nanoTime() - start) / 1_000_000 + " ms, the last saw "
                        + MARKER + " " + seen + ", not " + marker);
            }
            Thread.sleep(20);
        }
    }

    void restore() throws Exception {
        configAdmin.getConfiguration(PID, "?").update(saved);
    }
}
