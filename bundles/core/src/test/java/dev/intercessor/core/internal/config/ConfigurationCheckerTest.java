package dev.intercessor.core.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.util.Hashtable;
import java.util.List;

import org.junit.Test;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.ObjectClassDefinition;

public class ConfigurationCheckerTest {

    private static AttributeDefinition attribute(String id, int type, String defaultValue, String range) {
        return new AttributeDefinition() {
            public String getName() { return id; }
            public String getID() { return id; }
            public String getDescription() { return id; }
            public int getCardinality() { return 0; }
            public int getType() { return type; }
            public String[] getOptionValues() { return null; }
            public String[] getOptionLabels() { return null; }
            public String validate(String value) {
                // As the metatype implementation does for min="0" max="64".
                return range != null && Long.parseLong(value) > 64 ? "%greater than maximum" : "";
            }
            public String[] getDefaultValue() { return new String[] { defaultValue }; }
        };
    }

    private static final ObjectClassDefinition CORE = new ObjectClassDefinition() {
        public String getName() { return "core"; }
        public String getID() { return "core"; }
        public String getDescription() { return "core"; }
        public AttributeDefinition[] getAttributeDefinitions(int filter) {
            return new AttributeDefinition[] { attribute("threads", AttributeDefinition.INTEGER, "0", null),
                    attribute("burst", AttributeDefinition.INTEGER, "8", "0..64"),
                    attribute("enabled", AttributeDefinition.BOOLEAN, "true", null),
                    attribute("rate", AttributeDefinition.DOUBLE, "50.0", null),
                    attribute("path", AttributeDefinition.STRING, "var/log/audit.log", null) };
        }
        public InputStream getIcon(int size) { return null; }
    };

    private static Hashtable<String, Object> config(Object... keyValues) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("service.pid", "dev.intercessor.core");
        p.put("felix.fileinstall.filename", "file:/opt/intercessor/etc/dev.intercessor.core.cfg");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put((String) keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    public void aValueNotOfItsTypeIsTakenOutSoTheDefaultApplies() {
        Hashtable<String, Object> p = config("threads", "four", "enabled", "flase", "rate", "NaN", "path", "");
        List<String> problems = ConfigurationChecker.check(CORE, p, ConfigOrigin.of(p));
        assertFalse(p.containsKey("threads"));
        assertFalse(p.containsKey("enabled"));
        assertFalse(p.containsKey("rate"));
        assertEquals("", p.get("path"));
        assertTrue(problems.toString(), problems.contains("/opt/intercessor/etc/dev.intercessor.core.cfg: threads='four' "
                + "ignored: not a whole number; the default '0' applies until it is corrected"));
        assertTrue(problems.toString(), problems.contains("/opt/intercessor/etc/dev.intercessor.core.cfg: enabled='flase' "
                + "ignored: not a boolean (true or false); the default 'true' applies until it is corrected"));
        assertEquals(problems.toString(), 3, problems.size());
    }

    @Test
    public void goodValuesAndFrameworkKeysPass() {
        Hashtable<String, Object> p = config("threads", "4", "enabled", "TRUE", "rate", "0.5", "burst", "64",
                "component.id", 3L);
        assertEquals(List.of(), ConfigurationChecker.check(CORE, p, "x"));
        assertEquals(7, p.size());
    }

    @Test
    public void aValueOutOfTheDeclaredRangeIsTakenOut() {
        Hashtable<String, Object> p = config("burst", "65");
        assertEquals(List.of("x: burst='65' ignored: greater than the maximum 64; the default '8' applies "
                + "until it is corrected"), ConfigurationChecker.check(CORE, p, "x"));
        assertEquals("greater than the maximum 64", ConfigurationChecker.outOfRange(
                attribute("burst", AttributeDefinition.INTEGER, "8", "0..64"), String.valueOf(Long.MAX_VALUE), "x"));
        assertFalse(p.containsKey("burst"));
    }

    @Test
    public void anUnknownKeyIsNamedWithTheNearestAndKept() {
        Hashtable<String, Object> p = config("thraeds", "4");
        assertEquals(List.of("x: unknown key thraeds='4' ignored: did you mean threads? (keys: burst, enabled, path, "
                + "rate, threads)"), ConfigurationChecker.check(CORE, p, "x"));
        assertTrue(p.containsKey("thraeds"));
    }

    @Test
    public void valuesOfEachTypeAreCheckedAsAnOperatorWritesThem() {
        assertNull(ValueCheck.problem(AttributeDefinition.BOOLEAN, "False"));
        assertNull(ValueCheck.problem(AttributeDefinition.BOOLEAN, Boolean.TRUE));
        assertEquals("not a boolean (true or false)", ValueCheck.problem(AttributeDefinition.BOOLEAN, "yes"));
        assertNull(ValueCheck.problem(AttributeDefinition.INTEGER, " -1 "));
        assertEquals("not a whole number", ValueCheck.problem(AttributeDefinition.INTEGER, "1.5"));
        assertEquals("out of range [-2147483648, 2147483647]", ValueCheck.problem(AttributeDefinition.INTEGER, "3000000000"));
        assertNull(ValueCheck.problem(AttributeDefinition.LONG, "3000000000"));
        assertNull(ValueCheck.problem(AttributeDefinition.DOUBLE, "1e3"));
        assertEquals("not a number", ValueCheck.problem(AttributeDefinition.DOUBLE, "Infinity"));
        assertNull(ValueCheck.problem(AttributeDefinition.STRING, "anything"));
    }

    @Test
    public void theOriginIsTheFileFileInstallReadElseThePid() {
        assertEquals("/opt/i/etc/dev.intercesor.policy.cfg", ConfigOrigin.of("dev.intercesor.policy",
                "file:/opt/i/etc/dev.intercesor.policy.cfg"));
        assertEquals("configuration dev.intercessor.audit", ConfigOrigin.of("dev.intercessor.audit", null));
    }

    @Test
    public void theNearestWordIsOnlyTakenForATypingMistake() {
        assertEquals("dev.intercessor.policy", Spelling.closest("dev.intercesor.policy",
                List.of("dev.intercessor.policy", "dev.intercessor.core")));
        assertEquals("mknod.enabled", Spelling.closest("mknod.enabeld", List.of("mknod.enabled", "sched.enabled")));
        assertNull(Spelling.closest("org.example.other", List.of("dev.intercessor.policy")));
    }
}
