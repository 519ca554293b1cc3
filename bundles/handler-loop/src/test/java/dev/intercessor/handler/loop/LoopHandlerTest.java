package dev.intercessor.handler.loop;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.testing.FakeLoopDevices;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

public class LoopHandlerTest {

    private static final int CONTROL = 3;
    private static final int OTHER_FILE = 4;
    private static final int LOOP = 5;
    private static final int BACKING = 6;
    private static final int FOREIGN = 7;

    private final LoopHandler handler = new LoopHandler();
    private final FakeLoopDevices loops = new FakeLoopDevices();
    private final FakeTarget target = new FakeTarget().uidMap(0, 100000, 65536)
            .credentials(FakeTarget.identity(100000, 100000));
    private Path dir;

    @Before
    public void setUp() throws Exception {
        handler.loops = loops;
        dir = Files.createTempDirectory("loophandler");
        target.fd(CONTROL, Files.createFile(dir.resolve("loop-control")))
                .fd(OTHER_FILE, Files.createFile(dir.resolve("image")));
        loops.device(LOOP, 0).otherContainers(FOREIGN);
    }

    @After
    public void tearDown() throws Exception {
        Files.delete(dir.resolve("loop-control"));
        Files.delete(dir.resolve("image"));
        Files.delete(dir);
    }

    private Response ioctl(int fd, long request, long arg, MapPolicy policy) throws Exception {
        FakeNotification call = Notifications.call("ioctl").args(fd, request, arg);
        return handler.handle(call, target, policy);
    }

    private Response ioctl(int fd, long request, long arg) throws Exception {
        return ioctl(fd, request, arg, new MapPolicy());
    }

    @Test
    public void getFreeOnThePlaceholderLendsADeviceAndGivesAnUnboundOneAgain() throws Exception {
        assertEquals(0, ioctl(CONTROL, LoopHandler.LOOP_CTL_GET_FREE, 0).value());
        assertEquals(0, ioctl(CONTROL, LoopHandler.LOOP_CTL_GET_FREE, 0).value());
        assertEquals(List.of("assignFree loop0", "assignFree loop0"), loops.calls());
    }

    @Test
    public void aCallerThatIsNotTheContainersRootGetsTheKernelsAnswer() throws Exception {
        // Container uid 1000: a user of the container, also as root of a user namespace of its own.
        target.credentials(FakeTarget.identity(101000, 101000, Capability.SYS_ADMIN));
        assertEquals(Response.Kind.CONTINUE, ioctl(CONTROL, LoopHandler.LOOP_CTL_GET_FREE, 0).kind());
        assertEquals(Response.Kind.CONTINUE, ioctl(LOOP, LoopHandler.LOOP_SET_FD, BACKING).kind());
        assertEquals(Response.Kind.CONTINUE, ioctl(LOOP, LoopHandler.LOOP_CLR_FD, 0).kind());
        assertEquals(List.of(), loops.calls());
    }

    @Test
    public void getFreeOnAnyOtherFileIsTheKernels() throws Exception {
        assertEquals(Response.Kind.CONTINUE, ioctl(OTHER_FILE, LoopHandler.LOOP_CTL_GET_FREE, 0).kind());
        assertEquals(List.of(), loops.calls());
    }

    @Test
    public void beyondLoopMaxIsEnospc() throws Exception {
        MapPolicy one = MapPolicy.of("loop.max", "1");
        assertEquals(0, ioctl(CONTROL, LoopHandler.LOOP_CTL_GET_FREE, 0, one).value());
        assertEquals(0, ioctl(LOOP, LoopHandler.LOOP_SET_FD, BACKING, one).value());
        SyscallException e = assertThrows(SyscallException.class, () -> ioctl(CONTROL, LoopHandler.LOOP_CTL_GET_FREE, 0, one));
        assertEquals(Errno.ENOSPC, e.errno());
    }

    @Test
    public void configureReadsTheBackingFdFromTheCallersLoopConfig() throws Exception {
        ioctl(CONTROL, LoopHandler.LOOP_CTL_GET_FREE, 0);
        byte[] config = new byte[LoopHandler.LOOP_CONFIG_SIZE];
        config[0] = (byte) BACKING;
        long address = target.putBytes(config);
        assertEquals(0, ioctl(LOOP, LoopHandler.LOOP_CONFIGURE, address).value());
        assertEquals(0, ioctl(LOOP, LoopHandler.LOOP_SET_STATUS64, target.putBytes(new byte[232])).value());
        assertEquals(0, ioctl(LOOP, LoopHandler.LOOP_CLR_FD, 0).value());
        assertEquals(List.of("assignFree loop0", "configure loop0 backing 6", "setStatus loop0", "clear loop0"), loops.calls());
    }

    @Test
    public void changeFdAndTheOldSetStatusAreRefused() throws Exception {
        ioctl(CONTROL, LoopHandler.LOOP_CTL_GET_FREE, 0);
        assertEquals(Errno.EINVAL, ioctl(LOOP, LoopHandler.LOOP_CHANGE_FD, BACKING).errno());
        assertEquals(Errno.EINVAL, ioctl(LOOP, LoopHandler.LOOP_SET_STATUS, 0).errno());
    }

    @Test
    public void aDeviceNotLentToTheContainerIsTheKernels() throws Exception {
        assertEquals(Response.Kind.CONTINUE, ioctl(LOOP, LoopHandler.LOOP_SET_FD, BACKING).kind());
        assertEquals(Response.Kind.CONTINUE, ioctl(OTHER_FILE, LoopHandler.LOOP_CLR_FD, 0).kind());
    }

    @Test
    public void anotherContainersDeviceIsEperm() throws Exception {
        SyscallException e = assertThrows(SyscallException.class, () -> ioctl(FOREIGN, LoopHandler.LOOP_SET_FD, BACKING));
        assertEquals(Errno.EPERM, e.errno());
    }

    @Test
    public void otherRequestsAreTheKernels() throws Exception {
        ioctl(CONTROL, LoopHandler.LOOP_CTL_GET_FREE, 0);
        assertEquals(Response.Kind.CONTINUE, ioctl(LOOP, 0x4C05, 0).kind()); // LOOP_GET_STATUS64
        assertEquals(Response.Kind.CONTINUE, ioctl(CONTROL, 0x4C80, 0).kind()); // LOOP_CTL_ADD
    }
}
