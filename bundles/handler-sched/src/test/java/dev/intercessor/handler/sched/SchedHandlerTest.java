package dev.intercessor.handler.sched;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.Test;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeScheduling;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/** {@link SchedHandler#handle} through the api-testing fakes. */
public class SchedHandlerTest {

    private static final int HOST_ROOT_OF_CONTAINER = 100000;

    private final SchedHandler handler = new SchedHandler(new FakeScheduling());
    private final FakeTarget target = new FakeTarget()
            .credentials(FakeTarget.identity(HOST_ROOT_OF_CONTAINER, HOST_ROOT_OF_CONTAINER, Capability.SYS_NICE))
            .uidMap(0, HOST_ROOT_OF_CONTAINER, 65536);

    private long param(int priority) {
        return target.putBytes(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, priority).array());
    }

    private Response handle(FakeNotification call) throws Exception {
        return handler.handle(call, target, MapPolicy.of("sched.enabled", "true"));
    }

    private int refusal(FakeNotification call) {
        return assertThrows(SyscallException.class, () -> handle(call)).errno();
    }

    @Test
    public void containerRootGetsFifoForItselfWithThePriorityItAsked() throws Exception {
        Response r = handle(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_FIFO, param(10)));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertEquals(List.of(new FakeTarget.SchedulerCall(0, SchedHandler.SCHED_FIFO, 10)), target.schedulerCalls());
    }

    @Test
    public void resetOnForkIsPassedOnWithThePolicy() throws Exception {
        int policy = SchedHandler.SCHED_RR | SchedHandler.SCHED_RESET_ON_FORK;
        handle(Notifications.call("sched_setscheduler").args(12, policy, param(99)));
        assertEquals(List.of(new FakeTarget.SchedulerCall(12, policy, 99)), target.schedulerCalls());
    }

    @Test
    public void setparamKeepsThePolicyAndLeavesThePriorityToTheKernel() throws Exception {
        handle(Notifications.call("sched_setparam").args(3, param(50)));
        assertEquals(List.of(new FakeTarget.SchedulerCall(3, -1, 50)), target.schedulerCalls());
    }

    @Test
    public void aCallerWithoutCapSysNiceIsLeftToTheKernel() throws Exception {
        target.credentials(FakeTarget.identity(HOST_ROOT_OF_CONTAINER, HOST_ROOT_OF_CONTAINER, Capability.SYS_ADMIN));
        assertEquals(Response.Kind.CONTINUE,
                handle(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_FIFO, param(10))).kind());
        assertTrue(target.schedulerCalls().isEmpty());
    }

    @Test
    public void aCallerThatIsNotContainerRootIsLeftToTheKernel() throws Exception {
        target.credentials(FakeTarget.identity(HOST_ROOT_OF_CONTAINER + 1000, HOST_ROOT_OF_CONTAINER + 1000,
                Capability.SYS_NICE));
        assertEquals(Response.Kind.CONTINUE,
                handle(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_FIFO, param(10))).kind());
        // A host id the container does not map at all (e.g. a process that came from the host).
        target.credentials(FakeTarget.identity(0, 0, Capability.SYS_NICE));
        assertEquals(Response.Kind.CONTINUE,
                handle(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_FIFO, param(10))).kind());
        assertTrue(target.reads().isEmpty());
        assertTrue(target.schedulerCalls().isEmpty());
    }

    @Test
    public void aNegativePidOrNullParamIsEinval() {
        assertEquals(Errno.EINVAL, refusal(Notifications.call("sched_setscheduler").args(-1, SchedHandler.SCHED_FIFO, param(1))));
        assertEquals(Errno.EINVAL, refusal(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_FIFO, 0)));
        assertEquals(Errno.EINVAL, refusal(Notifications.call("sched_setparam").args(0, 0)));
        assertTrue(target.schedulerCalls().isEmpty());
    }

    @Test
    public void anUnreadableParamIsEfault() {
        assertEquals(Errno.EFAULT, refusal(Notifications.call("sched_setscheduler")
                .args(0, SchedHandler.SCHED_FIFO, target.unmappedAddress())));
        assertEquals(Errno.EFAULT, refusal(Notifications.call("sched_setscheduler")
                .args(0, SchedHandler.SCHED_FIFO, target.putBytes(new byte[3]))));
        assertTrue(target.schedulerCalls().isEmpty());
    }

    @Test
    public void prioritiesOutsideThePolicysRangeAreEinvalAsTheKernelSays() {
        assertEquals(Errno.EINVAL, refusal(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_FIFO, param(0))));
        assertEquals(Errno.EINVAL, refusal(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_RR, param(100))));
        assertEquals(Errno.EINVAL, refusal(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_OTHER, param(5))));
        assertEquals(Errno.EINVAL, refusal(Notifications.call("sched_setscheduler").args(0, 7, param(0))));
        assertTrue(target.schedulerCalls().isEmpty());
    }

    @Test
    public void nonRealTimePoliciesWithPriorityZeroAreServed() throws Exception {
        handle(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_IDLE, param(0)));
        handle(Notifications.call("sched_setscheduler").args(0, SchedHandler.SCHED_BATCH, param(0)));
        assertEquals(2, target.schedulerCalls().size());
    }

    @Test
    public void theTargetsRefusalIsTheAnswer() {
        target.failing("setScheduler", Errno.ESRCH);
        assertEquals(Errno.ESRCH, refusal(Notifications.call("sched_setscheduler").args(999, SchedHandler.SCHED_FIFO, param(1))));
    }

    @Test
    public void aCompatCallersPidIsItsLowHalfSigned() {
        // i386 sched_setscheduler(-1, …): the u32 0xffffffff is pid -1, refused, never a huge pid.
        assertEquals(Errno.EINVAL, refusal(Notifications.call("sched_setscheduler").arch("x86")
                .args(0x0000_0001_ffff_ffffL, SchedHandler.SCHED_FIFO, param(1))));
    }

    @Test
    public void aCompatCallerIsServedFromTheLowHalvesOfItsRegisters() throws Exception {
        long param = param(20);
        handle(Notifications.call("sched_setscheduler").arch("arm")
                .args(0xabcd_0000_0000_0005L, 0xabcd_0000_0000_0000L | SchedHandler.SCHED_RR, 0xabcd_0000_0000_0000L | param));
        assertEquals(List.of(new FakeTarget.SchedulerCall(5, SchedHandler.SCHED_RR, 20)), target.schedulerCalls());
    }
}
