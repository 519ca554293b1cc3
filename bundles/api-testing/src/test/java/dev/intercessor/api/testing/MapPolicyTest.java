package dev.intercessor.api.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Test;

public class MapPolicyTest {

    @Test
    public void booleansFollowTheCoresWords() {
        MapPolicy p = MapPolicy.of("a", "yes", "b", " ON ", "c", "1", "d", "True", "e", "no", "f", "2", "g", "");
        assertTrue(p.getBoolean("a", false));
        assertTrue(p.getBoolean("b", false));
        assertTrue(p.getBoolean("c", false));
        assertTrue(p.getBoolean("d", false));
        assertFalse(p.getBoolean("e", true));
        assertFalse("anything else is false, not the default", p.getBoolean("f", true));
        assertFalse(p.getBoolean("g", true));
        assertTrue(p.getBoolean("unset", true));
        assertFalse(p.getBoolean("unset", false));
    }

    @Test
    public void listsAreTrimmedAndSkipEmptyElements() {
        MapPolicy p = MapPolicy.of("mount.allowed", " ext4, ,xfs,,");
        assertEquals(List.of("ext4", "xfs"), p.getList("mount.allowed"));
        assertEquals(List.of(), p.getList("unset"));
        assertEquals(Optional.of(" ext4, ,xfs,,"), p.get("mount.allowed"));
        assertEquals(Optional.empty(), p.unset("mount.allowed").get("mount.allowed"));
    }

    @Test
    public void containerAndPairs() {
        assertEquals("container", new MapPolicy().containerId());
        assertEquals("c2", new MapPolicy("c2", Map.of("k.v", "1")).containerId());
        assertThrows(IllegalArgumentException.class, () -> MapPolicy.of("a"));
    }
}
