package dev.intercessor.handler.mknod;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class DeviceAllowlistTest {

    @Test
    public void decodesTheKernelsDeviceEncoding() {
        assertEquals(1, DeviceAllowlist.major(0x103));
        assertEquals(3, DeviceAllowlist.minor(0x103));
        // new_encode_dev(makedev(4095, 0x12345)) = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
        long dev = 0x45 | (4095L << 8) | ((0x12345L & ~0xffL) << 12);
        assertEquals(4095, DeviceAllowlist.major(dev));
        assertEquals(0x12345, DeviceAllowlist.minor(dev));
    }

    @Test
    public void allowsTheHarmlessCharacterDevicesAndTheWhiteout() {
        int[][] allowed = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {0, 0}};
        for (int[] d : allowed) {
            assertTrue(d[0] + ":" + d[1], DeviceAllowlist.allows(d[0], d[1]));
        }
        assertEquals("/dev/null", DeviceAllowlist.hostNode(1, 3));
        assertNull(DeviceAllowlist.hostNode(0, 0));
    }

    @Test
    public void refusesEverythingElse() {
        int[][] refused = {{1, 1}, {1, 2}, {1, 4}, {1, 11}, {4, 0}, {5, 3}, {10, 130}, {8, 0}, {0, 1}};
        for (int[] d : refused) {
            assertFalse(d[0] + ":" + d[1], DeviceAllowlist.allows(d[0], d[1]));
        }
        assertFalse(DeviceAllowlist.allows(1 + (1 << 20), 3)); // no aliasing of the map key
        assertFalse(DeviceAllowlist.allows(-1, 3));
    }
}
