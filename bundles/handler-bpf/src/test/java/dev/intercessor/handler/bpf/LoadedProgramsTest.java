package dev.intercessor.handler.bpf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.Test;

public class LoadedProgramsTest {

    /** The kernel's programs, by id. */
    private final Set<Integer> kernel = new HashSet<>();
    private final LoadedPrograms programs = new LoadedPrograms(kernel::contains, 4);

    private void load(String container, int id) {
        assertTrue(container + " may load " + id, programs.reserve(container, 3));
        kernel.add(id);
        programs.loaded(container, id);
    }

    @Test
    public void aContainerGetsItsLimitAndNoMore() {
        load("a", 1);
        load("a", 2);
        load("a", 3);
        assertFalse(programs.reserve("a", 3));
        assertEquals(3, programs.count("a"));
        assertTrue("another container counts apart", programs.reserve("b", 3));
    }

    @Test
    public void aProgramTheKernelFreedStopsCounting() {
        load("a", 1);
        load("a", 2);
        load("a", 3);
        kernel.remove(2); // the container closed its last fd
        assertTrue(programs.reserve("a", 3));
        assertEquals(3, programs.count("a"));
    }

    @Test
    public void aLoadInProgressHoldsItsSlotUntilLoadedOrCancelled() {
        assertTrue(programs.reserve("a", 2));
        assertTrue(programs.reserve("a", 2));
        assertFalse("two loads under way fill a limit of 2", programs.reserve("a", 2));
        programs.cancel("a"); // the verifier refused one
        kernel.add(7);
        programs.loaded("a", 7);
        assertEquals(1, programs.count("a"));
        assertTrue(programs.reserve("a", 2));
    }

    @Test
    public void aLimitOfZeroRefusesEveryLoad() {
        assertFalse(programs.reserve("a", 0));
    }

    @Test
    public void containersWhoseProgramsAreAllGoneAreSweptOnceTheTableGrows() {
        for (int i = 0; i < 4; i++) {
            load("c" + i, 10 + i);
        }
        kernel.remove(10);
        kernel.remove(11);
        assertTrue(programs.reserve("new", 3)); // the fifth: the table of four is swept first
        assertEquals("c2, c3 and the new one", 3, programs.containers());
        programs.cancel("new");
    }

    @Test
    public void aContainerWithALoadUnderWayIsNeverSwept() {
        assertTrue(programs.reserve("busy", 3));
        for (int i = 0; i < 8; i++) {
            assertTrue(programs.reserve("c" + i, 3));
            programs.cancel("c" + i);
        }
        kernel.add(1);
        programs.loaded("busy", 1); // would throw had its entry gone
        assertEquals(1, programs.count("busy"));
    }
}
