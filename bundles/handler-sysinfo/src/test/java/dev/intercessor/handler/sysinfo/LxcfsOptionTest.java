package dev.intercessor.handler.sysinfo;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import java.util.List;

import org.junit.Test;

/** The option {@code sysinfo.lxcfs}: an absolute path or nothing, narrowed to the operator's list. */
public class LxcfsOptionTest {

    @Test
    public void isDeclaredOffByDefault() {
        assertEquals(List.of(SysinfoHandler.LXCFS), new SysinfoHandler().options());
        assertEquals("", SysinfoHandler.LXCFS.defaultValue());
    }

    @Test
    public void acceptsAbsolutePathsAndNothing() {
        for (String ok : List.of("", "/var/lib/lxcfs", "/run/intercessor-itest/lxcfs-1a2b3c4d", "/a/b.c/d_e")) {
            assertNull(ok, SysinfoHandler.LXCFS.problem(ok));
        }
        // One path in effect; the operator's bound may list several, each checked alone.
        assertNotNull(SysinfoHandler.LXCFS.problem("/var/lib/lxcfs,/srv/lxcfs"));
        assertNull(SysinfoHandler.LXCFS.boundProblem("/var/lib/lxcfs,/srv/lxcfs"));
        assertNotNull(SysinfoHandler.LXCFS.boundProblem("/var/lib/lxcfs,/srv/../etc"));
    }

    @Test
    public void refusesRelativePathsDotComponentsListsAndOddCharacters() {
        for (String bad : List.of("var/lib/lxcfs", "/", "/var/lib/..", "/var/../etc", "/./x", "/a/.hidden",
                "/a,", ",/a", "/a,b", "/a b", "/a//b", "/a/", "/a\n/b", "/" + "x".repeat(1024))) {
            assertNotNull(bad, SysinfoHandler.LXCFS.problem(bad));
        }
    }

    @Test
    public void aContainerMayOnlyPickAPathTheOperatorListed() {
        assertEquals("/var/lib/lxcfs", SysinfoHandler.LXCFS.narrow("/var/lib/lxcfs", "/var/lib/lxcfs,/srv/lxcfs"));
        assertNull(SysinfoHandler.LXCFS.narrow("/etc", "/var/lib/lxcfs"));
    }
}
