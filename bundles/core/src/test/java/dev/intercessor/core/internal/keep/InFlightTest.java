package dev.intercessor.core.internal.keep;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.Test;

/** {@link InFlight}: what one run records is what the next one finds, and the file is cleared. */
public class InFlightTest {

    @Test
    public void callsNotEndedAreLeftForTheNextRun() throws Exception {
        Path dir = Files.createTempDirectory("inflight");
        Path file = dir.resolve("keeper.sock.inflight");
        try {
            List<InFlight.Call> none = new ArrayList<>();
            InFlight first = InFlight.open(file, none);
            assertTrue(none.isEmpty());
            int a = first.begin(7, 100);
            int b = first.begin(7, 101);
            int c = first.begin(9, 5);
            first.end(b);
            assertEquals(List.of(new InFlight.Call(7, 100), new InFlight.Call(9, 5)), first.now());
            first.close(); // as if the JVM died here: the mapping's pages are the file's

            List<InFlight.Call> left = new ArrayList<>();
            InFlight second = InFlight.open(file, left);
            assertEquals(List.of(new InFlight.Call(7, 100), new InFlight.Call(9, 5)), left);
            assertEquals("cleared for this run", List.of(), second.now());
            assertTrue(a != c);
            second.close();
            assertEquals("0600", "rw-------",
                    java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    public void whenEverySlotIsTakenACallIsNotRecorded() throws Exception {
        Path dir = Files.createTempDirectory("inflight");
        Path file = dir.resolve("j");
        try {
            InFlight journal = InFlight.open(file, new ArrayList<>());
            for (int i = 0; i < InFlight.SLOTS; i++) {
                assertTrue(journal.begin(1, i) >= 0);
            }
            assertEquals(-1, journal.begin(1, 99999));
            journal.end(-1); // nothing
            journal.close();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
