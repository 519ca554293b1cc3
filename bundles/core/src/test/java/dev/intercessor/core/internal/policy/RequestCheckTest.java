package dev.intercessor.core.internal.policy;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.util.List;
import java.util.Map;

import org.junit.Test;

import dev.intercessor.admin.PolicyEntry.Source;
import dev.intercessor.api.HandlerOption;

public class RequestCheckTest {

    private static final Map<String, HandlerOption<?>> OPTIONS = Map.of(
            "mknod.enabled", HandlerOption.bool("mknod.enabled", true, "mknod"),
            "sched.enabled", HandlerOption.bool("sched.enabled", false, "sched"),
            "bpf.maxPrograms", HandlerOption.number("bpf.maxPrograms", 64, 0, 4096, "programs"));

    @Test
    public void aKeyNoHandlerDeclaresIsNamedWithTheLikelyIntendedOne() {
        assertEquals("no registered handler is named mknd (did you mean mknod?)",
                UndeclaredKeys.problem("mknd.enabled", OPTIONS));
        assertEquals("handler mknod has no option enabeld (did you mean mknod.enabled?)",
                UndeclaredKeys.problem("mknod.enabeld", OPTIONS));
        assertEquals("handler bpf has no option max (its keys: bpf.maxPrograms)", UndeclaredKeys.problem("bpf.max", OPTIONS));
        assertEquals("no registered handler is named probe (handlers: bpf, mknod, sched)",
                UndeclaredKeys.problem("probe.marker", OPTIONS));
        assertNull(UndeclaredKeys.problem("sched.enabled", OPTIONS));
    }

    @Test
    public void aContainersUnknownKeysAndMalformedValuesAreProblemsItsGoodOnesAreNot() {
        List<RequestCheck.Problem> problems = RequestCheck.problems(
                Map.of("mknod.enabled", "maybe", "mknd.enabled", "false", "sched.enabled", "true"),
                Map.of("bpf.maxPrograms", "lots", "mknod.enabled", "yes"), OPTIONS);
        assertEquals(List.of(
                new RequestCheck.Problem("mknd.enabled", Source.ANNOTATION, "false",
                        "has no effect: no registered handler is named mknd (did you mean mknod?)"),
                new RequestCheck.Problem("mknod.enabled", Source.ANNOTATION, "maybe",
                        "ignored: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)"),
                new RequestCheck.Problem("bpf.maxPrograms", Source.METADATA, "lots",
                        "ignored: 'lots' is not a whole number")), problems);
    }

    @Test
    public void aMalformedRequestNeverTurnsAHandlerOn() {
        // The operator allows sched; the container's malformed request is ignored, so the
        // operator's value, off, stands.
        ContainerPolicy policy = new ContainerPolicy("c", Map.of("dev.intercessor.sched.enabled", "tru"), null,
                () -> Map.of("bound.sched.enabled", "true"), catalog());
        assertEquals(Boolean.FALSE, policy.value((HandlerOption<Boolean>) OPTIONS.get("sched.enabled")));
        ContainerPolicy metadata = new ContainerPolicy("c", Map.of(), "sched.enabled=1 ; rm", 
                () -> Map.of("bound.sched.enabled", "true"), catalog());
        assertEquals(Boolean.FALSE, metadata.value((HandlerOption<Boolean>) OPTIONS.get("sched.enabled")));
    }

    private static OptionCatalog catalog() {
        OptionCatalog catalog = new OptionCatalog();
        catalog.replace(OPTIONS);
        return catalog;
    }
}
