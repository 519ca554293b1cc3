package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.util.tracker.ServiceTracker;

import dev.intercessor.admin.OptionInfo;
import dev.intercessor.admin.PolicyEntry;
import dev.intercessor.admin.Supervision;

/**
 * Typed handler options (issue 13, item 6), with the bpf handler's {@code bpf.maxPrograms} (a
 * number from 0 to 4096) and real containers: the option is shown to operators (the admin service
 * and metatype, with a validation that says what is wrong), a bad value is refused where it is set
 * (the shell's {@code policy}, the operator's configuration, a container's annotation) and never
 * reaches the handler, and a container's request is narrowed by the option's type.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HandlerOptionsIT extends HandlerIT {

    private static final String MAX = "bpf.maxPrograms";

    @Inject
    private Supervision supervision;
    @Inject
    private ConfigurationAdmin configAdmin;

    private OperatorPolicy operator;

    @Before
    public void setUp() throws Exception {
        startHandler("dev.intercessor.handler.bpf", "bpf");
        operator = new OperatorPolicy(configAdmin, supervision);
    }

    @After
    public void restoreTheOperatorsPolicy() throws Exception {
        operator.restore();
    }

    private PolicyEntry entry(String container, String key) {
        return supervision.policy(container).stream().filter(e -> e.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError(container + " has no " + key));
    }

    @Test
    public void theOptionIsShownWithItsTypeDefaultAndBounds() throws Exception {
        OptionInfo info = supervision.options().stream().filter(o -> o.key().equals(MAX)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + MAX + " in " + supervision.options()));
        assertEquals("number", info.type());
        assertEquals("64", info.defaultValue());
        assertEquals("a whole number from 0 to 4096", info.accepts());
        assertTrue("each handler's enabled is an option too", supervision.options().stream()
                .anyMatch(o -> o.key().equals("bpf.enabled") && o.type().equals("boolean")));

        ServiceTracker<MetaTypeService, MetaTypeService> t = new ServiceTracker<>(context, MetaTypeService.class, null);
        t.open();
        try {
            MetaTypeService metatype = t.waitForService(10_000);
            assertNotNull("no MetaTypeService", metatype);
            ObjectClassDefinition ocd = metatype.getMetaTypeInformation(TestSetup.installed(context, TestSetup.CORE))
                    .getObjectClassDefinition(OperatorPolicy.PID, null);
            Map<String, AttributeDefinition> byId = Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL))
                    .collect(Collectors.toMap(AttributeDefinition::getID, Function.identity()));
            AttributeDefinition max = byId.get(MAX);
            assertNotNull("metatype has no " + MAX + ": " + byId.keySet(), max);
            assertEquals(AttributeDefinition.LONG, max.getType());
            assertEquals("64", max.getDefaultValue()[0]);
            assertEquals("", max.validate("16"));
            assertEquals("'lots' is not a whole number", max.validate("lots"));
            assertNotNull("the bound of the key too", byId.get("bound." + MAX));
        } finally {
            t.close();
        }
    }

    @Test
    public void aBadRuntimeValueIsRefusedWhereItIsSetAndTheOldOneStays() throws Exception {
        try (Container c = Container.start(id("opt-runtime"))) {
            TestSetup.awaitAttached(supervision, c.id());
            supervision.setPolicy(c.id(), MAX, "8");
            try {
                supervision.setPolicy(c.id(), MAX, "lots");
                fail("a value the option refuses was set");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith(MAX + ": 'lots' is not a whole number; nothing changed"));
            }
            try {
                supervision.setPolicy(c.id(), MAX, "5000");
                fail("a value out of the option's bounds was set");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("5000 is out of bounds [0, 4096]"));
            }
            assertEquals("8", entry(c.id(), MAX).value());
            assertEquals(PolicyEntry.Source.RUNTIME, entry(c.id(), MAX).source());
        }
    }

    @Test
    public void aBadOperatorValueIsRefusedAndTheDefaultStandsInUntilItIsCorrected() throws Exception {
        operator.adds(MAX, "lots");
        try (Container c = Container.start(id("opt-global-bad"))) {
            TestSetup.awaitAttached(supervision, c.id());
            PolicyEntry e = entry(c.id(), MAX);
            assertEquals("64", e.value());
            assertEquals(PolicyEntry.Source.DEFAULT, e.source());
        }
        operator.adds(MAX, "3");
        try (Container c = Container.start(id("opt-global-good"))) {
            TestSetup.awaitAttached(supervision, c.id());
            PolicyEntry e = entry(c.id(), MAX);
            assertEquals("3", e.value());
            assertEquals(PolicyEntry.Source.GLOBAL, e.source());
        }
    }

    @Test
    public void aContainersRequestIsNarrowedByTheOptionsTypeOrIgnored() throws Exception {
        operator.adds("bound." + MAX, "16");
        try (Container c = Container.start(id("opt-ask-more"), "--annotation", MAX + "=1000")) {
            TestSetup.awaitAttached(supervision, c.id());
            PolicyEntry e = entry(c.id(), MAX);
            assertEquals("a number is narrowed to the bound", "16", e.value());
            assertEquals(PolicyEntry.Source.ANNOTATION, e.source());
        }
        try (Container c = Container.start(id("opt-ask-less"), "--annotation", MAX + "=2")) {
            TestSetup.awaitAttached(supervision, c.id());
            assertEquals("2", entry(c.id(), MAX).value());
        }
        try (Container c = Container.start(id("opt-ask-bad"), "--annotation", MAX + "=9999")) {
            TestSetup.awaitAttached(supervision, c.id());
            PolicyEntry e = entry(c.id(), MAX);
            assertEquals("a request the option refuses (out of 0..4096) is ignored", "64", e.value());
            assertEquals(PolicyEntry.Source.DEFAULT, e.source());
        }
    }
}
