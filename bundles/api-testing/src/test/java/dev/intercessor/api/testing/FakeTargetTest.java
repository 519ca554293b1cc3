package dev.intercessor.api.testing;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.Test;

import dev.intercessor.api.CallerNamespace;
import dev.intercessor.api.Capability;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.ImageMount;
import dev.intercessor.api.ImageMounts;
import dev.intercessor.api.Scheduling;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

public class FakeTargetTest {

    private final FakeTarget target = new FakeTarget();

    private static int errno(ThrowingRunnable r) {
        return assertThrows(SyscallException.class, r::run).errno();
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    public void mappedBytesReadBackAndUnmappedOnesFault() throws Exception {
        target.map(0x1000, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, target.read(0x1000, 3));
        assertArrayEquals(new byte[] {2}, target.read(0x1001, 1));
        assertEquals(Errno.EFAULT, errno(() -> target.read(0x1001, 3)));
        assertEquals(Errno.EFAULT, errno(() -> target.read(0xfff, 2)));
        assertEquals(0, target.read(0x5000, 0).length);
        assertEquals(Errno.EINVAL, errno(() -> target.read(0x1000, -1)));
        target.unmap(0x1002, 1);
        assertEquals(Errno.EFAULT, errno(() -> target.read(0x1000, 3)));
    }

    @Test
    public void putBlocksAreSeparatedByAnUnmappedGap() throws Exception {
        long a = target.putBytes(new byte[] {9, 9});
        long b = target.putBytes(new byte[] {7});
        assertTrue(b - a >= 4096);
        assertTrue(b < 1L << 32);
        assertEquals(Errno.EFAULT, errno(() -> target.read(a, 3)));
        assertEquals(Errno.EFAULT, errno(() -> target.read(target.unmappedAddress(), 1)));
    }

    @Test
    public void cStringStopsAtTheNulAndFaultsOnlyBeforeIt() throws Exception {
        long s = target.putString("abc");
        assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), target.readCString(s, 4096));
        assertEquals(Optional.of("abc"), target.readString(s, 4096));
        // No NUL before the end of the mapping: EFAULT, as the kernel's strncpy_from_user.
        long noNul = target.putBytes("abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Errno.EFAULT, errno(() -> target.readCString(noNul, 4096)));
        // A NUL before an unmapped byte: fine.
        assertEquals("", target.readString(target.putBytes(new byte[] {0}), 4096).get());
    }

    @Test
    public void cStringWithoutNulWithinMaxLengthIsTooLong() throws Exception {
        long s = target.putString("abcd");
        assertEquals(Errno.ENAMETOOLONG, errno(() -> target.readCString(s, 4)));
        assertEquals("abcd", target.readString(s, 5).get());
        long longer = target.putString("x".repeat(5000));
        assertEquals(Errno.ENAMETOOLONG, errno(() -> target.readString(longer, Target.PATH_MAX)));
        assertEquals(5000, target.readCString(longer, 5001).length);
    }

    @Test
    public void invalidUtf8GivesAnEmptyStringButTheRawBytesStayReadable() throws Exception {
        long s = target.putBytes(new byte[] {'a', (byte) 0xff, 'b', 0});
        assertEquals(Optional.empty(), target.readString(s, 4096));
        assertArrayEquals(new byte[] {'a', (byte) 0xff, 'b'}, target.readCString(s, 4096));
        assertEquals("é", target.readString(target.putString("é"), 4096).get());
    }

    @Test
    public void writesLandOnlyOnWritableBytesAndAreRecorded() throws Exception {
        long buffer = target.allocate(4);
        target.write(buffer + 1, new byte[] {5, 6});
        assertArrayEquals(new byte[] {0, 5, 6, 0}, target.memory(buffer, 4));
        assertEquals(1, target.writes().size());
        assertEquals(buffer + 1, target.writes().get(0).address());

        assertEquals(Errno.EFAULT, errno(() -> target.write(buffer + 2, new byte[] {1, 1, 1})));
        assertArrayEquals("a failed write writes nothing", new byte[] {0, 5, 6, 0}, target.memory(buffer, 4));
        long ro = target.putReadOnly(new byte[] {1, 2});
        assertEquals(Errno.EFAULT, errno(() -> target.write(ro, new byte[] {3})));
        assertArrayEquals(new byte[] {1, 2}, target.read(ro, 2));
        assertEquals(1, target.writes().size());
    }

    @Test
    public void readsAreRecordedEvenWhenTheyFail() {
        assertEquals(Errno.EFAULT, errno(() -> target.read(0x42, 8)));
        assertEquals(List.of(new FakeTarget.MemoryRead(0x42, 8, false)), target.reads());
    }

    @Test
    public void unconfiguredQueriesSayHowToConfigureThem() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, target::credentials);
        assertTrue(e.getMessage(), e.getMessage().contains("credentials(") && e.getMessage().contains("FakeTarget."));
        assertTrue(assertThrows(UnsupportedOperationException.class, () -> target.cgroup("memory")).getMessage()
                .contains("noCgroup(\"memory\")"));
        assertThrows(UnsupportedOperationException.class, () -> target.containerCgroup(""));
        assertThrows(UnsupportedOperationException.class, () -> target.containerUid(0));
        assertThrows(UnsupportedOperationException.class, () -> target.namespaceInode("mnt"));
        assertThrows(UnsupportedOperationException.class, target::containerInitPid);
    }

    @Test
    public void identityAndPlacementAreWhatTheTestSays() throws Exception {
        target.credentials(FakeTarget.identity(100000, 100000, Capability.MKNOD, Capability.SYS_ADMIN))
                .namespace("mnt", 4026531840L).containerInitPid(77)
                .cgroup("memory", new CgroupDirectory(Path.of("/h"), Path.of("/h/c"), 1)).noCgroup("pids");
        assertTrue(target.credentials().has(Capability.MKNOD));
        assertFalse(target.credentials().has(Capability.SYS_NICE));
        assertEquals(022, target.credentials().umask());
        assertEquals(4026531840L, target.namespaceInode("mnt"));
        assertEquals(Errno.EINVAL, errno(() -> target.namespaceInode("../x")));
        assertEquals(77, target.containerInitPid());
        assertEquals(Path.of("/h/c"), target.cgroup("memory").get().path());
        assertEquals(Optional.empty(), target.cgroup("pids"));
    }

    @Test
    public void uidMapMapsLikeTheKernelsAndNothingElse() throws Exception {
        target.uidMap(0, 100000, 65536).uidMap(70000, 5000, 1);
        assertEquals(0, target.containerUid(100000));
        assertEquals(65535, target.containerUid(165535));
        assertEquals(-1, target.containerUid(165536));
        assertEquals(70000, target.containerUid(5000));
        assertEquals(-1, target.containerUid(0));
    }

    @Test
    public void privilegedActionsThroughTheFakeServicesAreRecordedOnTheCallerAndCanBeMadeToFail() throws Exception {
        Scheduling scheduling = new FakeScheduling();
        ImageMounts mounts = new FakeImageMounts();
        scheduling.setScheduler(target, 0, 1, 10);
        assertEquals(List.of(new FakeTarget.SchedulerCall(0, 1, 10)), target.schedulerCalls());
        ImageMount m = new ImageMount("/img", "/mnt", "ext4", true, false, false, List.of(), false);
        mounts.mountImage(target, Target.AT_FDCWD, m);
        mounts.mountFuse(target, Target.AT_FDCWD, m, "/usr/bin/fuse2fs");
        assertEquals(List.of(new FakeTarget.MountCall(Target.AT_FDCWD, m, null),
                new FakeTarget.MountCall(Target.AT_FDCWD, m, "/usr/bin/fuse2fs")), target.mounts());
        assertEquals(Errno.EINVAL, errno(() -> mounts.mountFuse(target, Target.AT_FDCWD, m, "fuse2fs")));
        assertEquals(Errno.EINVAL, errno(() -> mounts.mountFuse(target, Target.AT_FDCWD, m, "/usr/../bin/sh")));

        target.failing("mountImage", Errno.ENOTBLK).failing("setScheduler", Errno.EPERM);
        assertEquals(Errno.ENOTBLK, errno(() -> mounts.mountImage(target, Target.AT_FDCWD, m)));
        assertEquals(Errno.EPERM, errno(() -> scheduling.setScheduler(target, 1, 1, 1)));
        assertEquals("a fake service acts for a FakeTarget only", Errno.EINVAL,
                errno(() -> scheduling.setScheduler((Target) java.lang.reflect.Proxy.newProxyInstance(
                        Target.class.getClassLoader(), new Class<?>[] {Target.class}, (p, method, args) -> null), 0, 1, 1)));
        assertEquals("refused mounts are recorded too", 5, target.mounts().size());
        assertThrows(IllegalArgumentException.class, () -> target.failing("read", Errno.EIO));
    }

    @Test
    public void inCallerNamespacesRunsTheActionAndRecordsTheNamespaces() throws Exception {
        assertEquals("ran", target.inCallerNamespaces(EnumSet.of(CallerNamespace.UTS), () -> "ran"));
        assertEquals(List.of(Set.of(CallerNamespace.UTS)), target.namespaceCalls());
        target.failing("inCallerNamespaces", Errno.EPERM);
        assertEquals(Errno.EPERM, errno(() -> target.inCallerNamespaces(Set.of(), () -> "not run")));
    }

    @Test
    public void asCallerRunsTheActionOnTheFakeFsAndRecordsItsContext() throws Exception {
        target.fs().file("/x", new FileStat(FileStat.S_IFREG | 0644, 0, 0, 0, 0, 3));
        long size = target.asCaller(5, EnumSet.of(Capability.FOWNER), fs -> fs.stat("/x", true).size());
        assertEquals(3, size);
        assertEquals(List.of(new FakeTarget.AsCallerCall(5, Set.of(Capability.FOWNER))), target.asCallerCalls());
        assertEquals(Errno.EBADF, errno(() -> target.asCaller(-5, Set.of(), fs -> null)));
        assertEquals(Errno.ENOENT, errno(() -> target.asCaller(Target.AT_FDCWD, Set.of(), fs -> fs.stat("/y", true))));
    }

    @Test
    public void takenFdsNameTheConfiguredFileAndRecordTheirClose() throws Exception {
        target.fd(3, Path.of("/tmp"));
        FakeCallerFd fd;
        try (FakeCallerFd taken = target.takeFd(3)) {
            fd = taken;
            assertEquals(Path.of("/tmp"), taken.procPath());
            assertEquals(3, taken.callerFd());
            assertFalse(taken.closed());
        }
        assertTrue(fd.closed());
        assertEquals(List.of(fd), target.takenFds());
        assertEquals(Errno.EBADF, errno(() -> target.takeFd(4)));
    }

    @Test
    public void aGoneCallerAnswersEsrchEverywhere() {
        target.map(0x1000, new byte[] {1}).credentials(FakeTarget.identity(0, 0)).gone();
        assertFalse(target.stillWaiting());
        assertEquals(Errno.ESRCH, errno(() -> target.read(0x1000, 1)));
        assertEquals(Errno.ESRCH, errno(() -> target.write(0x1000, new byte[] {2})));
        assertEquals(Errno.ESRCH, errno(target::credentials));
        assertEquals(Errno.ESRCH, errno(() -> target.asCaller(Target.AT_FDCWD, Set.of(), fs -> null)));
        assertTrue(new FakeTarget().stillWaiting());
    }
}
