package dev.intercessor.handler.bpf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Test;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Policy;
import dev.intercessor.api.SyscallException;

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
    public void anythingElseRefusesTheLoad() {
        for (String bad : List.of("-1", "many", "", "99999999999")) {
            try {
                BpfHandler.maxPrograms(policy(Map.of("bpf.maxPrograms", bad)));
                fail(bad);
            } catch (SyscallException e) {
                assertEquals(bad, Errno.EPERM, e.errno());
            }
        }
    }
}
