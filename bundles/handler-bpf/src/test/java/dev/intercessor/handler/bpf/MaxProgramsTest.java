package dev.intercessor.handler.bpf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Test;

import dev.intercessor.api.Policy;

public class MaxProgramsTest {

    private static Policy policy(Map<String, String> values) {
        return new Policy() {
            @Override
            public String containerId() {
                return "c";
            }

            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(values.get(key));
            }

            @Override
            public boolean getBoolean(String key, boolean defaultValue) {
                return defaultValue;
            }

            @Override
            public List<String> getList(String key) {
                return List.of();
            }
        };
    }

    @Test
    public void unsetIsTheDefaultAndANumberIsTaken() throws Exception {
        assertEquals(BpfHandler.DEFAULT_MAX_PROGRAMS, BpfHandler.maxPrograms(policy(Map.of())));
        assertEquals(5, BpfHandler.maxPrograms(policy(Map.of("bpf.maxPrograms", " 5"))));
        assertEquals(0, BpfHandler.maxPrograms(policy(Map.of("bpf.maxPrograms", "0"))));
    }

    @Test
    public void theOptionRefusesAnythingElseWhereItIsSet() {
        for (String bad : List.of("-1", "many", "", "99999999999", "4097")) {
            assertNotNull(bad, BpfHandler.MAX_PROGRAMS.problem(bad));
        }
        assertEquals("bpf.maxPrograms", BpfHandler.MAX_PROGRAMS.key());
        assertEquals(List.of(BpfHandler.MAX_PROGRAMS), new BpfHandler().options());
    }

    @Test
    public void aPolicyThatPassesABadValueAnywayGivesTheDefault() {
        assertEquals(BpfHandler.DEFAULT_MAX_PROGRAMS, BpfHandler.maxPrograms(policy(Map.of("bpf.maxPrograms", "many"))));
    }
}
