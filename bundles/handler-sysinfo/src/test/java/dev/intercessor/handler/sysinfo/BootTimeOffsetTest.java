package dev.intercessor.handler.sysinfo;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.testing.FakeTarget;

/** {@link BootTimeOffset} on a procfs tree made in a temporary folder. */
public class BootTimeOffsetTest {

    private static final long DAY = 86_400_000_000_000L;
    private static final long NS = 4026532999L;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static long host() throws IOException {
        return BootTimeOffset.inode(Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString());
    }

    private Path proc() throws IOException {
        return tmp.getRoot().toPath();
    }

    private void offsets(int pid, String text) throws IOException {
        Files.createDirectories(proc().resolve(Integer.toString(pid)));
        Files.writeString(proc().resolve(pid + "/timens_offsets"), text);
    }

    @Test
    public void theBoottimeLineIsTheOffset() {
        assertEquals(DAY + 5, BootTimeOffset.parse("monotonic      100         0\nboottime     86400         5\n"));
        assertEquals(-DAY, BootTimeOffset.parse("monotonic 0 0\nboottime -86400 0\n"));
        assertEquals("older kernels number the clock", 3_000_000_000L, BootTimeOffset.parse("1 0 0\n7 3 0\n"));
        assertEquals(0, BootTimeOffset.parse(""));
    }

    @Test
    public void aCallerInTheHostsTimeNamespaceHasNoOffsetAndNothingIsRead() throws Exception {
        FakeTarget t = new FakeTarget().pid(10).namespace("time", host()); // no file exists
        assertEquals(0, BootTimeOffset.of(proc(), t, 10));
    }

    @Test
    public void aCallerInItsOwnTimeNamespaceHasThatNamespacesOffset() throws Exception {
        offsets(10, "monotonic 0 0\nboottime 86400 0\n");
        FakeTarget t = new FakeTarget().pid(10).namespace("time", NS).namespace("time_for_children", NS);
        assertEquals(DAY, BootTimeOffset.of(proc(), t, 10));
    }

    /**
     * timens_offsets shows the namespace of the caller's children: a process that unshared
     * CLONE_NEWTIME lives on in the namespace its parent gave it, whose offsets its parent's file shows.
     */
    @Test
    public void aCallerThatUnsharedForItsChildrenHasItsParentsNamespacesOffset() throws Exception {
        offsets(10, "monotonic 0 0\nboottime 86400 0\n");      // its children's namespace
        Files.writeString(proc().resolve("10/status"), "Name:\tx\nPid:\t10\nPPid:\t9\n");
        offsets(9, "monotonic 0 0\nboottime 3600 0\n");
        Files.createDirectories(proc().resolve("9/ns"));
        Files.createSymbolicLink(proc().resolve("9/ns/time_for_children"), Path.of("time:[" + NS + "]"));
        FakeTarget t = new FakeTarget().pid(10).namespace("time", NS).namespace("time_for_children", NS + 1);
        assertEquals(3_600_000_000_000L, BootTimeOffset.of(proc(), t, 10));
    }

    @Test
    public void aParentThatIsNoLongerInTheCallersNamespaceTellsNothing() throws Exception {
        Files.createDirectories(proc().resolve("10"));
        Files.writeString(proc().resolve("10/status"), "Name:\tx\nPid:\t10\nPPid:\t9\n");
        offsets(9, "monotonic 0 0\nboottime 3600 0\n");
        Files.createDirectories(proc().resolve("9/ns"));
        Files.createSymbolicLink(proc().resolve("9/ns/time_for_children"), Path.of("time:[" + (NS + 7) + "]"));
        FakeTarget t = new FakeTarget().pid(10).namespace("time", NS).namespace("time_for_children", NS + 1);
        assertEquals(0, BootTimeOffset.of(proc(), t, 10));
    }

    @Test
    public void aCallerGoneAfterItsFileWasOpenedIsEsrch() throws Exception {
        offsets(10, "boottime 86400 0\n");
        FakeTarget t = new FakeTarget().pid(10).namespace("time", NS).namespace("time_for_children", NS);
        t.stillWaiting(false);
        assertEquals(Errno.ESRCH, assertThrows(SyscallException.class, () -> BootTimeOffset.of(proc(), t, 10)).errno());
    }
}
