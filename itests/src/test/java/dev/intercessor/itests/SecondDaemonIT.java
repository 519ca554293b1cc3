package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * An operator starts a second copy of the distribution on the device store and fd keeper of one
 * that runs. It is refused, says who holds the paths and what to change, leaves nothing running,
 * and the first daemon keeps serving: its store stays mounted (a second daemon used to mount over
 * it, and unmount it when stopped) and its containers still get their device nodes.
 */
public class SecondDaemonIT {

    private static PrivateDistribution first;
    private static PrivateDistribution second;

    @BeforeClass
    public static void twoCopies() throws Exception {
        first = PrivateDistribution.copy("second-daemon-first");
        second = PrivateDistribution.copy("second-daemon-second");
        // Its own sockets, the first one's store and keeper: the mistake.
        Files.writeString(second.home().resolve("etc/dev.intercessor.core.cfg"),
                "deviceStore=" + first.run().resolve("devices") + "\n"
                        + "keeperSocket=" + first.run().resolve("keeper.sock") + "\n");
    }

    @AfterClass
    public static void remove() throws Exception {
        second.remove();
        first.remove();
    }

    private static String mountedStores() throws Exception {
        StringBuilder stores = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(" " + first.run().resolve("devices") + " ")) {
                stores.append(line).append('\n');
            }
        }
        return stores.toString();
    }

    private static String mknodThroughFirst() throws Exception {
        return first.launcher("run", "--listener", first.listener(), "--",
                "sh", "-c", "mknod /dev/n c 1 3 && echo x > /dev/n && echo emulated").out();
    }

    @Test
    public void aSecondDaemonOnTheSamePathsIsRefusedAndTheFirstKeepsServing() throws Exception {
        Container.Result started = first.launcher("start");
        assertEquals(started.toString(), 0, started.exit());
        long firstPid = Long.parseLong(Files.readString(first.home().resolve("var/run/intercessor.pid")).trim());
        String store = mountedStores();
        assertEquals(store, 1, store.lines().count());
        for (int i = 0; i < 50 && !mknodThroughFirst().equals("emulated\n"); i++) {
            Thread.sleep(100); // FileInstall brings the mknod handler in
        }

        Container.Result refused = second.launcher("start");
        assertNotEquals(refused.toString(), 0, refused.exit());
        String why = "another supervisor (pid " + firstPid + ") already uses " + first.run().resolve("devices")
                + ": stop it first, or give this one its own deviceStore";
        assertTrue(refused.toString(), refused.err().contains(why));
        Container.Result status = second.launcher("status");
        assertNotEquals("the refused daemon does not run: " + status, 0, status.exit());

        assertEquals("the first daemon's store is still the one mounted", store, mountedStores());
        assertEquals("emulated\n", mknodThroughFirst());
        Container.Result firstStatus = first.launcher("status");
        assertEquals(firstStatus.toString(), 0, firstStatus.exit());
    }
}
