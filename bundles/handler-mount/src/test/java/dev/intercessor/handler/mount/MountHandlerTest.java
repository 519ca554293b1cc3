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

    private final MountHandler handler = new MountHandler(new FakeImageMounts(),
            java.util.Set.of("ext2", "ext3", "ext4", "squashfs", "xfs", "btrfs"));
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

    /** An ext superblock's first KiB and a half: magic, compat, incompat, ro-compat words as given. */
    private static byte[] ext(int compat, int incompat, int roCompat) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2048).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putShort(1024 + 0x38, (short) 0xEF53).putInt(1024 + 0x5C, compat).putInt(1024 + 0x60, incompat)
                .putInt(1024 + 0x64, roCompat);
        return b.array();
    }

    /** has_journal, ext_attr, resize_inode, dir_index; filetype, extents, 64bit, flex_bg; sparse, large, huge, dir_nlink, extra_isize. */
    private static final byte[] EXT4 = ext(0x4 | 0x8 | 0x10 | 0x20, 0x2 | 0x40 | 0x80 | 0x200, 0x1 | 0x2 | 0x8 | 0x20 | 0x40);
    private static final byte[] EXT3 = ext(0x4 | 0x8 | 0x10 | 0x20, 0x2, 0x1 | 0x2);

    @Test
    public void aTypeNotMountedHereOnASourceOfAnotherTypeIsTheDriversEinval() throws Exception {
        target.mountSource("/dev/loop3", EXT4);
        for (String type : List.of("ext3", "ext2", "xfs")) {
            assertEquals(type, Errno.EINVAL, refusal(mount("/dev/loop3", "/mnt", type, 0, null)));
        }
        assertEquals("squashfs is allowed: mounted", Response.Kind.VALUE,
                handle(mount("/dev/loop3", "/mnt", "squashfs", 0, null)).kind());
        assertEquals(1, target.mounts().size());
    }

    @Test
    public void whereTheDriverWouldMountTheSourceTheKernelAnswers() throws Exception {
        policy = MapPolicy.of("mount.allowed", "squashfs");
        target.mountSource("ext3.img", EXT3);
        assertEquals("ext3 on ext3", Response.Kind.CONTINUE, handle(mount("ext3.img", "m", "ext3", 0, null)).kind());
        assertEquals("ext2 mounts an ext3 journal-less", Response.Kind.CONTINUE,
                handle(mount("ext3.img", "m", "ext2", 0, null)).kind());
        assertEquals("ext4 on ext3", Response.Kind.CONTINUE, handle(mount("ext3.img", "m", "ext4", 0, null)).kind());
        target.mountSource("ro.img", ext(0, 0x2, 0x8 /* huge_file */));
        assertEquals("ext2 refuses huge_file writable", Errno.EINVAL, refusal(mount("ro.img", "m", "ext2", 0, null)));
        assertEquals("and mounts it read-only", Response.Kind.CONTINUE,
                handle(mount("ro.img", "m", "ext2", MountFlags.MS_RDONLY, null)).kind());
        assertEquals("ext3 needs a journal", Errno.EINVAL,
                refusal(mount("ro.img", "m", "ext3", MountFlags.MS_RDONLY, null)));
    }

    @Test
    public void whatCannotBeToldIsLeftToTheKernel() throws Exception {
        target.mountSource("short.img", new byte[1100]).mountSource("ext4.img", EXT4);
        assertEquals("too short for a superblock", Response.Kind.CONTINUE,
                handle(mount("short.img", "m", "ext3", 0, null)).kind());
        assertEquals("too short for btrfs's", Response.Kind.CONTINUE,
                handle(mount("ext4.img", "m", "btrfs", 0, null)).kind());
        assertEquals("no such source", Response.Kind.CONTINUE, handle(mount("none", "m", "ext3", 0, null)).kind());
        assertEquals("a type with no signature", Response.Kind.CONTINUE,
                handle(mount("ext4.img", "m", "vfat", 0, null)).kind());
        assertEquals("a type the kernel lacks: its ENODEV", Response.Kind.CONTINUE,
                handle(mount("ext4.img", "m", "erofs", 0, null)).kind());
        assertEquals("a user namespace's own type", Response.Kind.CONTINUE,
                handle(mount("tmpfs", "m", "tmpfs", 0, null)).kind());
        target.failing("readSource", Errno.EACCES);
        assertEquals("unreadable as the caller", Response.Kind.CONTINUE,
                handle(mount("ext4.img", "m", "ext3", 0, null)).kind());
        assertTrue(target.mounts().isEmpty());
    }

    @Test
    public void noSourceIsReadForACallerWithoutCapSysAdminOrAContainerWithoutMountEmulation() throws Exception {
        target.mountSource("ext4.img", EXT4);
        policy = MapPolicy.of("mount.enabled", "true");
        assertEquals(Response.Kind.CONTINUE, handle(mount("ext4.img", "m", "ext3", 0, null)).kind());
        policy = MapPolicy.of("mount.allowed", "ext4");
        target.credentials(FakeTarget.identity(100000, 100000));
        assertEquals(Response.Kind.CONTINUE, handle(mount("ext4.img", "m", "ext3", 0, null)).kind());
        target.failing("readSource", Errno.EIO); // would be EIO had it been read
        target.credentials(FakeTarget.identity(100000, 100000, Capability.SYS_ADMIN));
        assertEquals(Response.Kind.CONTINUE, handle(mount("ext4.img", "m", "ext3", 0, null)).kind());
    }
}
