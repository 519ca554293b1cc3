package dev.intercessor.handler.mknod;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.Test;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;
import dev.intercessor.api.testing.FakeCallerFs;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/** {@link MknodHandler#handle} through the api-testing fakes. */
public class MknodHandlerTest {

    private static final int CONTAINER_ROOT = 100000;
    private static final long DEV_NULL = 0x103;

    private final MknodHandler handler = new MknodHandler();
    private final FakeTarget target = new FakeTarget()
            .credentials(FakeTarget.identity(CONTAINER_ROOT, CONTAINER_ROOT, Capability.MKNOD));
    private final FakeCallerFs fs = target.fs();

    private Response handle(FakeNotification call) throws Exception {
        return handler.handle(call, target, new MapPolicy());
    }

    private FakeNotification mknodat(int dirfd, long path, int mode, long dev) {
        return Notifications.call("mknodat").args(dirfd, path, mode, dev);
    }

    @Test
    public void mknodatOfDevNullIsMadeAsTheCallerWithOnlyCapMknod() throws Exception {
        fs.devicesOpen(true);
        Response r = handle(mknodat(Target.AT_FDCWD, target.putString("/dev/null"), FileStat.S_IFCHR | 0666, DEV_NULL));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertEquals(0, r.value());
        FakeCallerFs.Operation made = fs.operations("mknod").get(0);
        assertEquals("/dev/null", made.path());
        assertEquals(FileStat.S_IFCHR | 0666, made.mode());
        assertEquals(1, made.major());
        assertEquals(3, made.minor());
        assertEquals(List.of(new FakeTarget.AsCallerCall(Target.AT_FDCWD, Set.of(Capability.MKNOD))),
                target.asCallerCalls());
        assertTrue("a node that opens needs no mount", fs.operations("mountUsableNode").isEmpty());
    }

    @Test
    public void aRelativePathResolvesFromTheCallersDirfdAndAnAbsoluteOneFromItsRoot() throws Exception {
        fs.devicesOpen(true);
        handle(mknodat(7, target.putString("null"), FileStat.S_IFCHR | 0600, DEV_NULL));
        handle(mknodat(7, target.putString("/dev/zero"), FileStat.S_IFCHR | 0600, 0x105));
        assertEquals(7, target.asCallerCalls().get(0).dirfd());
        assertEquals(Target.AT_FDCWD, target.asCallerCalls().get(1).dirfd());
    }

    @Test
    public void mknodTakesItsArgumentsOneRegisterEarlier() throws Exception {
        fs.devicesOpen(true);
        Response r = handle(Notifications.call("mknod").args(target.putString("zero"), FileStat.S_IFCHR | 0644, 0x105));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertEquals(Target.AT_FDCWD, target.asCallerCalls().get(0).dirfd());
        assertEquals("zero", fs.operations("mknod").get(0).path());
        assertEquals(5, fs.operations("mknod").get(0).minor());
    }

    @Test
    public void onlyPermissionBitsOfTheModeAreKept() throws Exception {
        fs.devicesOpen(true);
        handle(mknodat(Target.AT_FDCWD, target.putString("/dev/tty"), FileStat.S_IFCHR | 0x10000 | 04666, 0x500));
        assertEquals(FileStat.S_IFCHR | 04666, fs.operations("mknod").get(0).mode());
    }

    @Test
    public void aNodeOnANodevFilesystemGetsAUsableNodeMountedOverIt() throws Exception {
        fs.devicesOpen(false);
        Response r = handle(mknodat(Target.AT_FDCWD, target.putString("/dev/urandom"), FileStat.S_IFCHR | 0666, 0x109));
        assertEquals(Response.Kind.VALUE, r.kind());
        FakeCallerFs.Operation mounted = fs.operations("mountUsableNode").get(0);
        assertEquals("/dev/urandom", mounted.path());
        assertEquals(1, mounted.major());
        assertEquals(9, mounted.minor());
    }

    @Test
    public void aUsableNodeThatCannotBeMountedFailsTheCallAndLeavesNoNode() throws Exception {
        fs.devicesOpen(false).failing("mountUsableNode", Errno.ENOSPC);
        SyscallException e = assertThrows(SyscallException.class,
                () -> handle(mknodat(Target.AT_FDCWD, target.putString("/dev/full"), FileStat.S_IFCHR | 0666, 0x107)));
        assertEquals(Errno.ENOSPC, e.errno());
        assertFalse(fs.fileAt("/dev/full").isPresent());
    }

    @Test
    public void anOverlayWhiteoutIsMadeWithoutAskingWhetherItOpens() throws Exception {
        // deviceOpens is left unconfigured: the fake would throw if the handler asked.
        Response r = handle(mknodat(Target.AT_FDCWD, target.putString("/upper/.wh.x"), FileStat.S_IFCHR, 0));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertEquals(List.of("mknod"), fs.operations().stream().map(FakeCallerFs.Operation::operation).toList());
    }

    @Test
    public void aBlockDeviceGoesToTheKernelWithoutReadingAnything() throws Exception {
        Response r = handle(mknodat(Target.AT_FDCWD, target.putString("/dev/sda"), FileStat.S_IFBLK | 0600, 0x800));
        assertEquals(Response.Kind.CONTINUE, r.kind());
        assertTrue(target.reads().isEmpty());
        assertTrue(target.asCallerCalls().isEmpty());
    }

    @Test
    public void charDevicesOffTheListFifosAndFilesGoToTheKernel() throws Exception {
        long path = target.putString("/dev/x");
        assertEquals(Response.Kind.CONTINUE, handle(mknodat(Target.AT_FDCWD, path, FileStat.S_IFCHR | 0600, 0xa00 | 200)).kind()); // 10:200 tun
        assertEquals(Response.Kind.CONTINUE, handle(mknodat(Target.AT_FDCWD, path, FileStat.S_IFCHR | 0600, 0x104)).kind()); // 1:4 port
        assertEquals(Response.Kind.CONTINUE, handle(mknodat(Target.AT_FDCWD, path, FileStat.S_IFIFO | 0600, 0)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(mknodat(Target.AT_FDCWD, path, FileStat.S_IFREG | 0600, 0)).kind());
        assertTrue(target.asCallerCalls().isEmpty());
    }

    @Test
    public void theDevArgumentIsDecodedAsTheKernelsU32() throws Exception {
        fs.devicesOpen(true);
        long path = target.putString("/dev/null");
        // Bits above the u32 are not part of dev: 1:3 still.
        assertEquals(Response.Kind.VALUE, handle(mknodat(Target.AT_FDCWD, path, FileStat.S_IFCHR | 0666, 0xffff_0000_0000_0103L)).kind());
        // new_encode_dev of 1:(3 + 256) puts the minor's high bits above the major: not 1:3.
        assertEquals(Response.Kind.CONTINUE, handle(mknodat(Target.AT_FDCWD, path, FileStat.S_IFCHR | 0666, 0x103 | (1 << 20))).kind());
    }

    @Test
    public void aCallerWithoutCapMknodIsLeftToTheKernel() throws Exception {
        target.credentials(FakeTarget.identity(CONTAINER_ROOT, CONTAINER_ROOT, Capability.SYS_ADMIN));
        Response r = handle(mknodat(Target.AT_FDCWD, target.putString("/dev/null"), FileStat.S_IFCHR | 0666, DEV_NULL));
        assertEquals(Response.Kind.CONTINUE, r.kind());
        assertTrue(target.reads().isEmpty());
    }

    @Test
    public void anUnreadablePathFailsWithEfault() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> handle(mknodat(Target.AT_FDCWD, target.unmappedAddress(), FileStat.S_IFCHR | 0666, DEV_NULL)));
        assertEquals(Errno.EFAULT, e.errno());
        assertTrue(fs.operations().isEmpty());
    }

    @Test
    public void aPathWithoutNulWithinPathMaxIsTooLong() {
        long path = target.putString("/" + "a".repeat(Target.PATH_MAX));
        SyscallException e = assertThrows(SyscallException.class,
                () -> handle(mknodat(Target.AT_FDCWD, path, FileStat.S_IFCHR | 0666, DEV_NULL)));
        assertEquals(Errno.ENAMETOOLONG, e.errno());
    }

    @Test
    public void anEmptyPathIsEnoent() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> handle(mknodat(Target.AT_FDCWD, target.putString(""), FileStat.S_IFCHR | 0666, DEV_NULL)));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    public void aPathThatIsNotUtf8IsLeftToTheKernel() throws Exception {
        long path = target.putBytes(new byte[] {'/', 'd', (byte) 0xfe, 0});
        assertEquals(Response.Kind.CONTINUE, handle(mknodat(Target.AT_FDCWD, path, FileStat.S_IFCHR | 0666, DEV_NULL)).kind());
        assertTrue(fs.operations().isEmpty());
    }

    @Test
    public void whatTheKernelSaysToTheCallersMknodIsTheAnswer() {
        fs.failing("mknod", Errno.EEXIST);
        SyscallException e = assertThrows(SyscallException.class,
                () -> handle(mknodat(Target.AT_FDCWD, target.putString("/dev/null"), FileStat.S_IFCHR | 0666, DEV_NULL)));
        assertEquals(Errno.EEXIST, e.errno());
    }

    @Test
    public void aCompatCallerIsServedFromTheLowHalvesOfItsRegisters() throws Exception {
        fs.devicesOpen(true);
        long path = target.putString("null");
        // i386: AT_FDCWD arrives as the u32 0xffffff9c; the upper halves hold garbage.
        FakeNotification call = mknodat(0, 0, 0, 0).arch("x86")
                .args(0x5555_5555_ffff_ff9cL, 0xaaaa_0000_0000_0000L | path, 0x1234_0000_0000_0000L | FileStat.S_IFCHR | 0666,
                        0x7777_0000_0000_0103L);
        assertEquals(Response.Kind.VALUE, handle(call).kind());
        assertEquals(Target.AT_FDCWD, target.asCallerCalls().get(0).dirfd());
        assertEquals("null", fs.operations("mknod").get(0).path());
    }
}
