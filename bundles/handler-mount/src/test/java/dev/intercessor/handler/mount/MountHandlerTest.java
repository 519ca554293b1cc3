package dev.intercessor.handler.mount;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.Test;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.ImageMount;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeImageMounts;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/** {@link MountHandler#handle} through the api-testing fakes. */
public class MountHandlerTest {

    private final MountHandler handler = new MountHandler(new FakeImageMounts());
    private final FakeTarget target = new FakeTarget()
            .credentials(FakeTarget.identity(100000, 100000, Capability.SYS_ADMIN));
    private Policy policy = MapPolicy.of("mount.enabled", "true", "mount.allowed", "ext4,squashfs");

    private FakeNotification mount(String source, String where, String fstype, long flags, String data) {
        return Notifications.call("mount").args(target.putString(source), target.putString(where),
                target.putString(fstype), flags, data == null ? 0 : target.putString(data));
    }

    private Response handle(FakeNotification call) throws Exception {
        return handler.handle(call, target, policy);
    }

    private int refusal(FakeNotification call) {
        return assertThrows(SyscallException.class, () -> handle(call)).errno();
    }

    @Test
    public void anAllowedTypeIsMountedFromItsImageWithHardenedErrors() throws Exception {
        Response r = handle(mount("/img/disk.ext4", "/mnt", "ext4", MountFlags.MS_RDONLY | MountFlags.MS_NOEXEC, "noload,data=ordered"));
        assertEquals(Response.Kind.VALUE, r.kind());
        FakeTarget.MountCall m = target.mounts().get(0);
        assertEquals(Target.AT_FDCWD, m.dirfd());
        assertNull(m.server());
        assertEquals(new ImageMount("/img/disk.ext4", "/mnt", "ext4", true, true, false,
                List.of("noload", "data=ordered", "errors=remount-ro"), false), m.mount());
    }

    @Test
    public void aTypeWithoutSuperblockErrorsGetsItsOptionsAsGiven() throws Exception {
        handle(mount("img", "mnt", "squashfs", MountFlags.MS_NOATIME, null));
        assertEquals(new ImageMount("img", "mnt", "squashfs", false, false, true, List.of(), false),
                target.mounts().get(0).mount());
    }

    @Test
    public void errorsContinueIsKeptAndErrorsPanicIsRefused() throws Exception {
        handle(mount("i", "m", "ext4", 0, "errors=continue"));
        assertEquals(List.of("errors=continue"), target.mounts().get(0).mount().options());
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, "errors=panic")));
        assertEquals(1, target.mounts().size());
    }

    @Test
    public void withShiftTheKernelMountIsIdmapped() throws Exception {
        policy = MapPolicy.of("mount.allowed", "ext4", "mount.shift", "yes");
        handle(mount("i", "m", "ext4", 0, null));
        assertTrue(target.mounts().get(0).mount().idmapped());
    }

    @Test
    public void aFuseTypeIsServedByItsServerWithTheOptionsAsGiven() throws Exception {
        policy = MapPolicy.of("mount.allowed", "ext4", "mount.fuse", "ext4=/usr/bin/fuse2fs");
        handle(mount("i", "m", "ext4", MountFlags.MS_RDONLY, "noload"));
        FakeTarget.MountCall m = target.mounts().get(0);
        assertEquals("/usr/bin/fuse2fs", m.server());
        assertEquals(new ImageMount("i", "m", "ext4", true, false, false, List.of("noload"), false), m.mount());
    }

    private FakeNotification fsopen(String fstype) {
        return Notifications.call("fsopen").args(target.putString(fstype), 1 /* FSOPEN_CLOEXEC */);
    }

    @Test
    public void fsopenOfAnEmulatedTypeIsEnosysSoLibmountFallsBackToMount() {
        assertEquals(Errno.ENOSYS, refusal(fsopen("ext4")));
        assertEquals(Errno.ENOSYS, refusal(fsopen("squashfs")));
        policy = MapPolicy.of("mount.fuse", "vfat=/usr/bin/fusefat");
        assertEquals("a FUSE type too", Errno.ENOSYS, refusal(fsopen("vfat")));
        assertTrue(target.mounts().isEmpty());
    }

    @Test
    public void fsopenOfAnyOtherTypeGoesToTheKernel() throws Exception {
        for (String type : List.of("tmpfs", "proc", "xfs", "fuse", "ext4x", "")) {
            assertEquals(type, Response.Kind.CONTINUE, handle(fsopen(type)).kind());
        }
        assertEquals("unreadable: the kernel's EFAULT", Response.Kind.CONTINUE,
                handle(fsopen("x").arg(0, target.unmappedAddress())).kind());
        assertEquals("not UTF-8", Response.Kind.CONTINUE,
                handle(fsopen("x").arg(0, target.putBytes(new byte[] {'e', (byte) 0x80, 0}))).kind());
    }

    @Test
    public void fsopenOfAnAllowedTypeGoesToTheKernelWhereMountWouldToo() throws Exception {
        target.credentials(FakeTarget.identity(100000, 100000, Capability.MKNOD));
        assertEquals("no CAP_SYS_ADMIN: the kernel's EPERM", Response.Kind.CONTINUE, handle(fsopen("ext4")).kind());
        target.credentials(FakeTarget.identity(100000, 100000, Capability.SYS_ADMIN));
        policy = MapPolicy.of("mount.enabled", "true");
        assertEquals("no type emulated", Response.Kind.CONTINUE, handle(fsopen("ext4")).kind());
        assertEquals(Response.Kind.CONTINUE, handle(fsopen("x").arg(0, 0)).kind());
    }

    @Test
    public void libmountsNullProbeIsEnosysWhileAnyTypeIsEmulated() {
        assertEquals(Errno.ENOSYS, refusal(fsopen("x").arg(0, 0)));
    }

    @Test
    public void callsOutsideMountAndFsopenGoToTheKernel() throws Exception {
        for (String call : List.of("fsconfig", "fsmount", "fspick", "open_tree", "move_mount")) {
            assertEquals(call, Response.Kind.CONTINUE, handle(Notifications.call(call)).kind());
        }
    }

    @Test
    public void bindRemountMoveAndPropagationGoToTheKernel() throws Exception {
        for (long flags : new long[] {MountFlags.MS_BIND, MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY, MountFlags.MS_MOVE,
                MountFlags.MS_PRIVATE | MountFlags.MS_REC, MountFlags.MS_SHARED, MountFlags.MS_SLAVE, MountFlags.MS_UNBINDABLE}) {
            assertEquals(Response.Kind.CONTINUE, handle(mount("i", "m", "ext4", flags, null)).kind());
        }
        assertTrue(target.reads().isEmpty());
        assertTrue(target.mounts().isEmpty());
    }

    @Test
    public void noTypeATypeInNoListOrACallerWithoutCapSysAdminGoToTheKernel() throws Exception {
        assertEquals(Response.Kind.CONTINUE, handle(mount("i", "m", "ext4", 0, null).arg(2, 0)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(mount("i", "m", "xfs", 0, null)).kind());
        assertEquals("the same call with an allowed type is served", Response.Kind.VALUE,
                handle(mount("i", "m", "ext4", 0, null)).kind());
        target.credentials(FakeTarget.identity(100000, 100000, Capability.MKNOD));
        assertEquals(Response.Kind.CONTINUE, handle(mount("i", "m", "ext4", 0, null)).kind());
        policy = MapPolicy.of("mount.enabled", "true"); // no type allowed
        target.credentials(FakeTarget.identity(100000, 100000, Capability.SYS_ADMIN));
        assertEquals(Response.Kind.CONTINUE, handle(mount("i", "m", "ext4", 0, null)).kind());
        assertEquals(1, target.mounts().size());
    }

    @Test
    public void aTypeThatIsNotUtf8GoesToTheKernelAndAnUnreadableOneIsEfault() throws Exception {
        assertEquals(Response.Kind.CONTINUE, handle(mount("i", "m", "ext4", 0, null)
                .arg(2, target.putBytes(new byte[] {'e', (byte) 0x80, 0}))).kind());
        assertEquals(Errno.EFAULT, refusal(mount("i", "m", "ext4", 0, null).arg(2, target.unmappedAddress())));
    }

    @Test
    public void flagsAnEmulatedMountCannotHonourAreEinval() {
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 16 /* MS_SYNCHRONOUS */, null)));
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 1L << 23 /* MS_I_VERSION */, null)));
        assertTrue(target.mounts().isEmpty());
    }

    @Test
    public void theOldMagicNumberIsStrippedAsTheKernelDoes() throws Exception {
        handle(mount("i", "m", "ext4", MountFlags.MS_MGC_VAL | MountFlags.MS_RDONLY, null));
        assertTrue(target.mounts().get(0).mount().readOnly());
    }

    @Test
    public void aMissingSourceOrTargetIsEinvalAndAnUnreadableOneEfault() {
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, null).arg(0, 0)));
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, null).arg(1, 0)));
        assertEquals(Errno.EFAULT, refusal(mount("i", "m", "ext4", 0, null).arg(0, target.unmappedAddress())));
        assertEquals(Errno.EFAULT, refusal(mount("i", "m", "ext4", 0, null).arg(4, target.unmappedAddress())));
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, null).arg(1, target.putBytes(new byte[] {(byte) 0xff, 0}))));
        assertTrue(target.mounts().isEmpty());
    }

    @Test
    public void optionsNamingSomethingOutsideTheImageAreRefused() {
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, "journal_path=/dev/sda")));
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, "journal_dev=8")));
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, "source=x")));
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, "usrjquota=../q")));
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, "a b")));
        assertTrue(target.mounts().isEmpty());
    }

    @Test
    public void mountDataLongerThanAPageIsEinvalAndEmptyOptionsAreSkipped() throws Exception {
        assertEquals(Errno.EINVAL, refusal(mount("i", "m", "ext4", 0, "x".repeat(MountHandler.DATA_MAX + 1))));
        handle(mount("i", "m", "squashfs", 0, ",,a,"));
        assertEquals(List.of("a"), target.mounts().get(0).mount().options());
    }

    @Test
    public void theKernelsAnswerToTheMountIsTheCallersAnswer() {
        target.failing("mountImage", Errno.ENOTBLK);
        assertEquals(Errno.ENOTBLK, refusal(mount("i", "m", "ext4", 0, null)));
    }

    @Test
    public void aCompatCallerIsServedFromTheLowHalvesOfItsRegisters() throws Exception {
        long g = 0x4242_0000_0000_0000L;
        FakeNotification call = mount("i", "m", "ext4", 0, "noload");
        call.arch("arm").args(g | call.arg(0), g | call.arg(1), g | call.arg(2), g | MountFlags.MS_RDONLY, g | call.arg(4));
        assertEquals(Response.Kind.VALUE, handle(call).kind());
        assertEquals(new ImageMount("i", "m", "ext4", true, false, false, List.of("noload", "errors=remount-ro"), false),
                target.mounts().get(0).mount());
    }
}
