package dev.intercessor.core.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class InstanceLockTest {

    @Rule
    public TemporaryFolder temp = new TemporaryFolder();

    private static String pidIn(Path lockFile) throws IOException {
        return Files.readString(lockFile).trim().split(" ")[0];
    }

    @Test
    public void aClaimWritesItsPidAndLettingGoLeavesNothing() throws IOException {
        Path store = temp.getRoot().toPath().resolve("run/intercessor/devices");
        Path file = InstanceLock.lockFile(store);
        assertEquals(store.resolveSibling("devices.lock"), file);
        try (InstanceLock claim = InstanceLock.claim(store, "deviceStore")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals(Long.toString(ProcessHandle.current().pid()), pidIn(file));
        }
        assertFalse("the lock file and the directories made for it are gone",
                Files.exists(temp.getRoot().toPath().resolve("run")));
    }

    @Test
    public void aClaimHeldElsewhereIsRefusedUntilItsProcessEnds() throws Exception {
        Path store = temp.getRoot().toPath().resolve("devices");
        Process other = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), Holder.class.getName(), store.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("claimed", out.readLine());
            try (InstanceLock claim = InstanceLock.claim(store, "deviceStore")) {
                fail("claimed what another process holds");
            } catch (IOException e) {
                assertEquals("another supervisor (pid " + other.pid() + ") already uses " + store
                        + ": stop it first, or give this one its own deviceStore", e.getMessage());
            }
            assertEquals("the holder's file is left as it was", Long.toString(other.pid()),
                    pidIn(InstanceLock.lockFile(store)));
        } finally {
            other.destroyForcibly(); // killed: its lock goes, its file stays, as after a crash
            assertTrue(other.waitFor(10, TimeUnit.SECONDS));
        }
        try (InstanceLock claim = InstanceLock.claim(store, "deviceStore")) {
            assertEquals(Long.toString(ProcessHandle.current().pid()), pidIn(InstanceLock.lockFile(store)));
        }
        assertFalse(Files.exists(InstanceLock.lockFile(store)));
    }

    @Test
    public void aSecondClaimInTheSameProcessIsRefusedToo() throws IOException {
        Path keeper = temp.getRoot().toPath().resolve("keeper.sock");
        try (InstanceLock claim = InstanceLock.claim(keeper, "keeperSocket")) {
            for (int i = 0; i < 2; i++) { // the refused attempt's close must not drop the claim
                try (InstanceLock again = InstanceLock.claim(keeper, "keeperSocket")) {
                    fail("claimed twice");
                } catch (IOException e) {
                    assertTrue(e.getMessage(), e.getMessage().startsWith("another supervisor (pid "
                            + ProcessHandle.current().pid() + ") already uses " + keeper));
                }
            }
        }
        try (InstanceLock claim = InstanceLock.claim(keeper, "keeperSocket")) {
            assertTrue(Files.exists(InstanceLock.lockFile(keeper)));
        }
    }

    /** Another process: claims the path given, says so, and holds it until killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            InstanceLock claim = InstanceLock.claim(Path.of(args[0]), "deviceStore");
            System.out.println("claimed");
            System.out.flush();
            Thread.sleep(60_000);
            claim.close();
        }
    }
}
