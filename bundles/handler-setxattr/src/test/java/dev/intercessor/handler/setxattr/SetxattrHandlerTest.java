package dev.intercessor.handler.setxattr;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.junit.Test;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;
import dev.intercessor.api.testing.FakeCallerFs;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/** {@link SetxattrHandler#handle} through the api-testing fakes. */
public class SetxattrHandlerTest {

    private static final int ROOT = 100000;
    private static final String OPAQUE = "trusted.overlay.opaque";

    private final SetxattrHandler handler = new SetxattrHandler();
    private final FakeTarget target = new FakeTarget()
            .credentials(FakeTarget.identity(ROOT, ROOT, Capability.FOWNER))
            .uidMap(0, ROOT, 65536);
    private final FakeCallerFs fs = target.fs()
            .file("/upper/dir", new FileStat(FileStat.S_IFDIR | 0755, ROOT, ROOT, 0, 0, 0))
            .file("/upper/other", new FileStat(FileStat.S_IFDIR | 0755, ROOT + 1000, ROOT + 1000, 0, 0, 0))
            .file("/host", new FileStat(FileStat.S_IFDIR | 0755, 0, 0, 0, 0, 0))
            .file(".", new FileStat(FileStat.S_IFDIR | 0755, ROOT, ROOT, 0, 0, 0));

    private long bytes(String s) {
        return target.putBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private FakeNotification setxattr(String syscall, long path, String name, String value, int flags) {
        return Notifications.call(syscall).args(path, target.putString(name), bytes(value), value.length(), flags);
    }

    private Response handle(FakeNotification call) throws Exception {
        return handle(call, new MapPolicy());
    }

    private Response handle(FakeNotification call, Policy policy) throws Exception {
        return handler.handle(call, target, policy);
    }

    @Test
    public void overlayOpaqueIsSetAsTheCallerWithCapSysAdmin() throws Exception {
        Response r = handle(setxattr("setxattr", target.putString("/upper/dir"), OPAQUE, "y", 0));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertArrayEquals(new byte[] {'y'}, fs.xattr("/upper/dir", OPAQUE).get());
        assertTrue(fs.operations("setxattr").get(0).follow());
        assertEquals(List.of(new FakeTarget.AsCallerCall(Target.AT_FDCWD, Set.of(Capability.SYS_ADMIN))),
                target.asCallerCalls());
    }

    @Test
    public void lsetxattrDoesNotFollowAFinalSymlink() throws Exception {
        handle(setxattr("lsetxattr", target.putString("/upper/dir"), OPAQUE, "y", 0));
        assertFalse(fs.operations("setxattr").get(0).follow());
    }

    @Test
    public void fsetxattrActsOnTheCallersDescriptorAsDot() throws Exception {
        Response r = handle(setxattr("fsetxattr", 9, OPAQUE, "y", 0));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertEquals(9, target.asCallerCalls().get(0).dirfd());
        assertEquals(".", fs.operations("setxattr").get(0).path());
    }

    @Test
    public void fsetxattrOfSomethingNotADirectoryIsLeftToTheKernel() throws Exception {
        fs.failing("setxattr", Errno.ENOTDIR);
        assertEquals(Response.Kind.CONTINUE, handle(setxattr("fsetxattr", 9, OPAQUE, "y", 0)).kind());
        // By path, ENOTDIR is the caller's answer.
        assertEquals(Errno.ENOTDIR, assertThrows(SyscallException.class,
                () -> handle(setxattr("setxattr", target.putString("/upper/dir/x"), OPAQUE, "y", 0))).errno());
    }

    @Test
    public void createAndReplaceFlagsReachTheFilesystem() throws Exception {
        handle(setxattr("setxattr", target.putString("/upper/dir"), OPAQUE, "y", 1));
        assertEquals(1, fs.operations("setxattr").get(0).flags());
        assertEquals(Errno.EEXIST, assertThrows(SyscallException.class,
                () -> handle(setxattr("setxattr", target.putString("/upper/dir"), OPAQUE, "y", 1))).errno());
        handle(setxattr("setxattr", target.putString("/upper/dir"), OPAQUE, "y", 2));
        assertEquals(2, fs.operations("setxattr").get(2).flags());
    }

    @Test
    public void otherNamesAndValuesGoToTheKernelWithoutReadingTheValueOfAnUnlistedName() throws Exception {
        long path = target.putString("/upper/dir");
        FakeNotification user = setxattr("setxattr", path, "user.x", "y", 0);
        assertEquals(Response.Kind.CONTINUE, handle(user).kind());
        assertTrue(target.reads().stream().noneMatch(r -> r.address() == user.arg(2)));
        assertEquals(Response.Kind.CONTINUE, handle(setxattr("setxattr", path, OPAQUE, "n", 0)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(setxattr("setxattr", path, OPAQUE, "yy", 0)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(setxattr("setxattr", path, "trusted.overlay.redirect", "y", 0)).kind());
        assertTrue(target.asCallerCalls().isEmpty());
    }

    @Test
    public void theAllowlistComesFromPolicyAndReplacesTheDefault() throws Exception {
        Policy policy = MapPolicy.of("setxattr.allowed", "trusted.overlay.redirect=/a, security.x=1");
        long path = target.putString("/upper/dir");
        assertEquals(Response.Kind.VALUE, handle(setxattr("setxattr", path, "trusted.overlay.redirect", "/a", 0), policy).kind());
        assertEquals(Response.Kind.VALUE, handle(setxattr("setxattr", path, "security.x", "1", 0), policy).kind());
        assertEquals(Response.Kind.CONTINUE, handle(setxattr("setxattr", path, OPAQUE, "y", 0), policy).kind());
    }

    @Test
    public void aMalformedAllowlistIsAnError() {
        assertThrows(IllegalArgumentException.class,
                () -> handle(setxattr("setxattr", target.putString("/upper/dir"), OPAQUE, "y", 0),
                        MapPolicy.of("setxattr.allowed", "trusted.overlay.opaque")));
    }

    @Test
    public void oversizedValuesAndUnknownFlagsGoToTheKernelUnread() throws Exception {
        long path = target.putString("/upper/dir");
        FakeNotification big = setxattr("setxattr", path, OPAQUE, "y", 0).arg(3, 65537);
        assertEquals(Response.Kind.CONTINUE, handle(big).kind());
        assertEquals(Response.Kind.CONTINUE, handle(setxattr("setxattr", path, OPAQUE, "y", 4)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(setxattr("setxattr", path, OPAQUE, "y", 0).arg(3, -1)).kind());
        assertTrue(target.reads().isEmpty());
    }

    @Test
    public void unreadableArgumentsGoToTheKernelWhichGivesItsOwnEfault() throws Exception {
        long path = target.putString("/upper/dir");
        long name = target.putString(OPAQUE);
        long value = bytes("y");
        long bad = target.unmappedAddress();
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("setxattr").args(path, bad, value, 1, 0)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("setxattr").args(path, name, bad, 1, 0)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("setxattr").args(bad, name, value, 1, 0)).kind());
        // A name with no NUL within XATTR_NAME_MAX + 1 bytes: ERANGE from the kernel.
        long longName = target.putString("trusted." + "x".repeat(300));
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("setxattr").args(path, longName, value, 1, 0)).kind());
        assertTrue(target.asCallerCalls().isEmpty());
    }

    @Test
    public void aPathThatIsNotUtf8IsLeftToTheKernelAndAnEmptyOneIsEnoent() throws Exception {
        long notUtf8 = target.putBytes(new byte[] {'/', (byte) 0xc3, 0});
        assertEquals(Response.Kind.CONTINUE, handle(setxattr("setxattr", notUtf8, OPAQUE, "y", 0)).kind());
        assertEquals(Errno.ENOENT, assertThrows(SyscallException.class,
                () -> handle(setxattr("setxattr", target.putString(""), OPAQUE, "y", 0))).errno());
    }

    @Test
    public void withCapFownerTheCallerMayModifyFilesOfItsContainersIdsButNeverTheHosts() throws Exception {
        assertEquals(Response.Kind.VALUE, handle(setxattr("setxattr", target.putString("/upper/other"), OPAQUE, "y", 0)).kind());
        assertEquals(Errno.EPERM, assertThrows(SyscallException.class,
                () -> handle(setxattr("setxattr", target.putString("/host"), OPAQUE, "y", 0))).errno());
        assertFalse(fs.xattr("/host", OPAQUE).isPresent());
    }

    @Test
    public void withoutCapFownerTheCallerMayModifyOnlyFilesItOwns() throws Exception {
        target.credentials(FakeTarget.identity(ROOT, ROOT));
        assertEquals(Response.Kind.VALUE, handle(setxattr("setxattr", target.putString("/upper/dir"), OPAQUE, "y", 0)).kind());
        assertEquals(Errno.EPERM, assertThrows(SyscallException.class,
                () -> handle(setxattr("setxattr", target.putString("/upper/other"), OPAQUE, "y", 0))).errno());
    }

    @Test
    public void aCompatCallerIsServedFromTheLowHalvesOfItsRegisters() throws Exception {
        long garbage = 0x9999_0000_0000_0000L;
        FakeNotification call = Notifications.call("setxattr").arch("x86").args(garbage | target.putString("/upper/dir"),
                garbage | target.putString(OPAQUE), garbage | bytes("y"), garbage | 1, garbage);
        assertEquals(Response.Kind.VALUE, handle(call).kind());
        assertArrayEquals(new byte[] {'y'}, fs.xattr("/upper/dir", OPAQUE).get());
    }
}
