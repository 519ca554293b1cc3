package dev.intercessor.api.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import org.junit.Test;

import dev.intercessor.api.Notification;

public class NotificationsTest {

    @Test
    public void defaultsAndFluentSetters() {
        Notification n = Notifications.call("mknodat").args(-100, 0x1000, 020666, 0x103).pid(7).container("c1").nr(259);
        assertEquals("mknodat", n.syscall());
        assertEquals("x86_64", n.arch());
        assertEquals(-100, n.arg(0));
        assertEquals(0x103, n.arg(3));
        assertEquals(0, n.arg(5));
        assertEquals(7, n.pid());
        assertEquals("c1", n.containerId());
        assertEquals(259, n.nr());
        assertEquals(FakeTarget.DEFAULT_PID, Notifications.call("x").pid());
        assertNotEquals(Notifications.call("x").id(), Notifications.call("x").id());
    }

    @Test
    public void aThirtyTwoBitCallSeesTheLowHalfOfEachRegisterOnly() {
        FakeNotification n = Notifications.call("mknodat").args(0xdeadbeef_ffffff9cL, 0x1_0000_1000L);
        assertEquals(0xdeadbeef_ffffff9cL, n.arg(0));
        n.arch("x86");
        assertEquals(0xffffff9cL, n.arg(0));
        assertEquals(-100, (int) n.arg(0));
        assertEquals(0x1000, n.arg(1));
        assertEquals(0x1_0000_1000L, n.arch("x32").arg(1));
        assertEquals(0x1000, n.arch("arm").arg(1));
    }
}
