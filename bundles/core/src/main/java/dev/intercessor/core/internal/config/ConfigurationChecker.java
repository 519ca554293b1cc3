package dev.intercessor.core.internal.config;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Holds the configuration of every Intercessor component (PIDs {@value #PREFIX}*) to the
 * component's metatype before the component sees it: a value that is not of its attribute's type
 * or range is taken out, so the component runs with its default instead of running with a
 * misread value ({@code enabled=flase} read as false) or not at all ({@code threads=four}); a key
 * the component does not have is kept. Both are logged as WARNINGs naming the file (or PID), key
 * and value, once per content of the configuration (a configuration is delivered to each of its
 * consumers, and again at every restart of one).
 *
 * <p>The operator's policy ({@code dev.intercessor.policy}) is not checked here: its keys are the
 * handlers' options, which come and go; {@code GlobalPolicy} checks it against those.
 */
final class ConfigurationChecker implements ConfigurationPlugin {

    static final String PREFIX = "dev.intercessor.";
    static final String POLICY_PID = "dev.intercessor.policy";

    private static final Logger LOG = System.getLogger("dev.intercessor.core.config");

    private final Function<String, ObjectClassDefinition> definitions;
    /** By PID: the configuration as it was when its problems were last logged. */
    private final Map<String, String> reported = new ConcurrentHashMap<>();

    /** @param definitions the metatype description of a PID (or factory PID), {@code null} if none */
    ConfigurationChecker(Function<String, ObjectClassDefinition> definitions) {
        this.definitions = definitions;
    }

    @Override
    public void modifyConfiguration(ServiceReference<?> target, Dictionary<String, Object> properties) {
        Object factoryPid = properties.get("service.factoryPid");
        Object pid = factoryPid != null ? factoryPid : properties.get("service.pid");
        if (pid == null || !String.valueOf(pid).startsWith(PREFIX) || POLICY_PID.equals(pid)) {
            return;
        }
        ObjectClassDefinition ocd = definitions.apply(String.valueOf(pid));
        if (ocd == null) {
            return;
        }
        String before = signature(properties);
        List<String> problems = check(ocd, properties, ConfigOrigin.of(properties));
        if (problems.isEmpty()) {
            reported.remove(String.valueOf(pid));
        } else if (!before.equals(reported.put(String.valueOf(pid), before))) {
            problems.forEach(p -> LOG.log(Level.WARNING, p));
        }
    }

    /**
     * Takes the values {@code ocd} refuses out of {@code properties}.
     *
     * @param origin where the configuration comes from, for the messages
     * @return one message per value taken out and per key {@code ocd} does not describe
     */
    static List<String> check(ObjectClassDefinition ocd, Dictionary<String, Object> properties, String origin) {
        Map<String, AttributeDefinition> attributes = new TreeMap<>();
        AttributeDefinition[] all = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        for (AttributeDefinition ad : all == null ? new AttributeDefinition[0] : all) {
            attributes.put(ad.getID(), ad);
        }
        List<String> problems = new ArrayList<>();
        for (String key : Collections.list(properties.keys())) {
            if (ConfigOrigin.isFrameworkKey(key)) {
                continue;
            }
            Object value = properties.get(key);
            AttributeDefinition ad = attributes.get(key);
            if (ad == null) {
                String near = Spelling.closest(key, attributes.keySet());
                problems.add(origin + ": unknown key " + key + "='" + text(value) + "' ignored: "
                        + (near != null ? "did you mean " + near + "? " : "") + "(keys: "
                        + String.join(", ", attributes.keySet()) + ")");
                continue;
            }
            String problem = problem(ad, value);
            if (problem != null) {
                properties.remove(key);
                String[] defaults = ad.getDefaultValue();
                problems.add(origin + ": " + key + "='" + text(value) + "' ignored: " + problem + "; "
                        + (defaults == null ? "it stays unset" : "the default '" + String.join(",", defaults) + "' applies")
                        + " until it is corrected");
            }
        }
        return problems;
    }

    /** @return why {@code value} (one, or each of a list) is not a value of {@code ad}, or {@code null} */
    private static String problem(AttributeDefinition ad, Object value) {
        for (Object element : elements(value)) {
            String problem = ValueCheck.problem(ad.getType(), element);
            if (problem != null) {
                return problem;
            }
            String text = String.valueOf(element).trim();
            String[] options = ad.getOptionValues();
            if (options != null && options.length > 0 && !List.of(options).contains(text)) {
                return "not one of " + String.join(", ", options);
            }
            // The metatype's own validation: ranges (min/max) where the component declares them.
            String invalid = text.isEmpty() && ad.getType() == AttributeDefinition.STRING ? null : ad.validate(text);
            if (invalid != null && !invalid.isEmpty()) {
                return outOfRange(ad, text, invalid.replaceFirst("^%", ""));
            }
        }
        return null;
    }

    /**
     * The metatype API gives no attribute's minimum or maximum, only {@code validate}: for a whole
     * number, the bound is found between the refused value and the default, which validates.
     */
    static String outOfRange(AttributeDefinition ad, String refused, String why) {
        String[] defaults = ad.getDefaultValue();
        int type = ad.getType();
        boolean whole = type == AttributeDefinition.LONG || type == AttributeDefinition.INTEGER
                || type == AttributeDefinition.SHORT || type == AttributeDefinition.BYTE;
        if (!whole || defaults == null || defaults.length != 1) {
            return "out of range (" + why + ")";
        }
        long bad;
        long good;
        try {
            bad = Long.parseLong(refused.trim());
            good = Long.parseLong(defaults[0].trim());
        } catch (NumberFormatException e) {
            return "out of range (" + why + ")";
        }
        if (!accepted(ad, good)) {
            return "out of range (" + why + ")";
        }
        boolean below = bad < good;
        while (true) { // validate holds on one side of the bound only: halve the gap
            long mid = (good & bad) + ((good ^ bad) >> 1); // the mean, without overflow
            if (mid == good || mid == bad) {
                break;
            }
            if (accepted(ad, mid)) {
                good = mid;
            } else {
                bad = mid;
            }
        }
        return (below ? "less than the minimum " : "greater than the maximum ") + good;
    }

    private static boolean accepted(AttributeDefinition ad, long value) {
        String result = ad.validate(Long.toString(value));
        return result == null || result.isEmpty();
    }

    private static List<Object> elements(Object value) {
        List<Object> list = new ArrayList<>();
        if (value != null && value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                list.add(Array.get(value, i));
            }
        } else if (value instanceof Collection<?> c) {
            list.addAll(c);
        } else {
            list.add(value);
        }
        return list;
    }

    private static String text(Object value) {
        List<Object> elements = elements(value);
        return elements.size() == 1 ? String.valueOf(elements.get(0)) : String.valueOf(elements);
    }

    private static String signature(Dictionary<String, Object> properties) {
        Map<String, String> sorted = new TreeMap<>();
        for (String key : Collections.list(properties.keys())) {
            sorted.put(key, text(properties.get(key)));
        }
        return sorted.toString();
    }
}
