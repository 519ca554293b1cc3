package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * {@link ProcConnector}'s structs against {@code include/uapi/linux/netlink.h},
 * {@code connector.h} and {@code cn_proc.h}, then a real subscription that sees an exec (root).
 */
public class ProcConnectorTest {

    @Test
    public void sockaddrNlIsFamilyPadPidGroups() {
        ProcConnector.SockaddrNl address = new ProcConnector.SockaddrNl();
        assertEquals(12, Struct.size(address));
        address.family.set(16);
        address.pid.set(7);
        address.groups.set(1);
        Pointer raw = Struct.getMemory(address);
        assertEquals(16, raw.getShort(0));
        assertEquals(7, raw.getInt(4));
        assertEquals(1, raw.getInt(8));
    }

    @Test
    public void aSubscriptionIsNlmsghdrCnMsgProcInput() {
        ProcConnector.Subscription s = ProcConnector.Subscription.of(1234, ProcConnector.PROC_EVENT_EXEC);
        Pointer raw = Struct.getMemory(s);
        assertEquals(16 + 20 + 8, Struct.size(s));
        // nlmsghdr: __u32 nlmsg_len, __u16 nlmsg_type, __u16 nlmsg_flags, __u32 nlmsg_seq, __u32 nlmsg_pid
        assertEquals(44, raw.getInt(0));
        assertEquals(ProcConnector.NLMSG_DONE, raw.getShort(4));
        assertEquals(0, raw.getShort(6));
        assertEquals(1234, raw.getInt(12));
        // cn_msg at 16: struct cb_id { __u32 idx, val }, __u32 seq, __u32 ack, __u16 len, __u16 flags
        assertEquals(ProcConnector.CN_IDX_PROC, raw.getInt(16));
        assertEquals(ProcConnector.CN_VAL_PROC, raw.getInt(20));
        assertEquals(8, raw.getShort(32));
        // proc_input at 36: enum proc_cn_mcast_op mcast_op, enum proc_cn_event event_type
        assertEquals(ProcConnector.PROC_CN_MCAST_LISTEN, raw.getInt(36));
        assertEquals(ProcConnector.PROC_EVENT_EXEC, raw.getInt(40));
    }

    @Test
    public void anExecIsSeenByTheSubscription() throws Exception {
        try (ExecEvents events = ExecEvents.open()) {
            new ProcessBuilder("true").start().waitFor();
            Pointer buffer = Linux.allocate(4096);
            ProcConnector.Subscription received = new ProcConnector.Subscription();
            received.useMemory(buffer);
            boolean exec = false;
            for (int i = 0; i < 200 && !exec; i++) {
                long n = Linux.libc().read(events.fd(), buffer, buffer.size());
                if (n <= 0) {
                    Thread.sleep(10);
                    continue;
                }
                assertEquals(n, received.header.length.get());
                assertEquals(ProcConnector.CN_IDX_PROC, received.connector.idx.intValue());
                assertEquals(ProcConnector.CN_VAL_PROC, received.connector.val.intValue());
                // the cn_msg's data, struct proc_event, begins with enum what (the filter also
                // lets through other kinds, e.g. PROC_EVENT_COMM 0x200, which an exec also makes)
                exec = buffer.getInt(36) == ProcConnector.PROC_EVENT_EXEC;
            }
            assertTrue("no exec event came", exec);
            long before = events.generation();
            events.consume();
            assertEquals(before + 1, events.generation());
        }
    }
}
