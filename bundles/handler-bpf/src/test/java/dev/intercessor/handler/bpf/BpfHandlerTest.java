package dev.intercessor.handler.bpf;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.intercessor.api.Bpf;
import dev.intercessor.api.Capability;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.testing.FakeBpf;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/**
 * {@link BpfHandler#handle} through the api-testing fakes; the {@link Bpf} service is a
 * {@link FakeBpf} put where Declarative Services would put the real one, and the container's
 * cgroup v2 directory is a temporary folder.
 */
public class BpfHandlerTest {

    private static final int ROOT = 100000;
    /** mov64 r0, 1; exit */
    private static final byte[] ALLOW_ALL = insns(0xb7, 0, 1, 0x95, 0, 0);

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final BpfHandler handler = new BpfHandler();
    private FakeBpf bpf = new FakeBpf();
    private final FakeTarget target = new FakeTarget()
            .credentials(FakeTarget.identity(ROOT, ROOT, Capability.SYS_ADMIN))
            .uidMap(0, ROOT, 65536);
    private Policy policy = MapPolicy.of("bpf.enabled", "true");
    private Path ownCgroup;

    /** @param triples code, src_reg, imm for each instruction */
    private static byte[] insns(int... triples) {
        ByteBuffer b = ByteBuffer.allocate(triples.length / 3 * 8).order(ByteOrder.nativeOrder());
        for (int i = 0; i < triples.length; i += 3) {
            b.put((byte) triples[i]).put((byte) (triples[i + 1] << 4)).putShort((short) 0).putInt(triples[i + 2]);
        }
        return b.array();
    }

    private void useBpf(FakeBpf service) throws Exception {
        bpf = service;
        Field f = BpfHandler.class.getDeclaredField("bpf");
        f.setAccessible(true);
        f.set(handler, service);
    }

    @Before
    public void setUp() throws Exception {
        useBpf(bpf);
        Path unified = tmp.getRoot().toPath().resolve("unified");
        ownCgroup = Files.createDirectories(unified.resolve("ctr"));
        Files.createDirectories(ownCgroup.resolve("sub"));
        target.containerCgroup("", new CgroupDirectory(unified, ownCgroup, 2));
        target.cgroup("memory", new CgroupDirectory(tmp.getRoot().toPath(), tmp.getRoot().toPath().resolve("memory/ctr"), 1));
    }

    /** A BPF_PROG_LOAD attr of a device program: no log, licence GPL, name dev_prog. */
    private ByteBuffer loadAttr(byte[] program) {
        ByteBuffer a = ByteBuffer.allocate(BpfHandler.KNOWN_ATTR).order(ByteOrder.nativeOrder());
        a.putInt(0, Bpf.PROG_TYPE_CGROUP_DEVICE);
        a.putInt(4, program.length / 8);
        a.putLong(8, target.putBytes(program));
        a.putLong(16, target.putString("GPL"));
        a.put(48, "dev_prog".getBytes(StandardCharsets.US_ASCII));
        return a;
    }

    private ByteBuffer attachAttr(int cgroupFd, int programFd, int attachType, int flags) {
        ByteBuffer a = ByteBuffer.allocate(BpfHandler.KNOWN_ATTR).order(ByteOrder.nativeOrder());
        a.putInt(0, cgroupFd).putInt(4, programFd).putInt(8, attachType).putInt(12, flags);
        return a;
    }

    private FakeNotification bpfCall(int cmd, ByteBuffer attr) {
        return Notifications.call("bpf").args(cmd, target.putBytes(attr.array()), attr.capacity());
    }

    private Response handle(FakeNotification call) throws Exception {
        return handler.handle(call, target, policy);
    }

    private int refusal(FakeNotification call) {
        return assertThrows(SyscallException.class, () -> handle(call)).errno();
    }

    // ---- BPF_PROG_LOAD ----

    @Test
    public void aDeviceProgramIsLoadedChargedToTheV1MemoryCgroupAndItsFdInjectedCloseOnExec() throws Exception {
        Response r = handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL)));
        assertEquals(Response.Kind.INJECT_FD, r.kind());
        assertTrue(r.closeOnExec());
        FakeBpf.Load load = bpf.loads().get(0);
        assertEquals(load.result().fd(), r.fd());
        assertEquals(Bpf.PROG_TYPE_CGROUP_DEVICE, load.program().type());
        assertArrayEquals(ALLOW_ALL, load.program().instructions());
        assertEquals("GPL", load.program().license());
        assertEquals("dev_prog", load.program().name());
        assertEquals(0, load.program().logLevel());
        assertEquals(tmp.getRoot().toPath().resolve("memory/ctr"), load.memory().path());
        assertTrue(target.writes().isEmpty());
    }

    @Test
    public void withoutAV1MemoryCgroupTheProgramIsChargedToTheSupervisor() throws Exception {
        target.cgroup("memory", new CgroupDirectory(tmp.getRoot().toPath(), ownCgroup, 2));
        handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL)));
        target.noCgroup("memory");
        handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL)));
        assertNull(bpf.loads().get(0).memory());
        assertNull(bpf.loads().get(1).memory());
    }

    @Test
    public void theVerifierLogIsCopiedBackWithItsNulAndCutToTheCallersBuffer() throws Exception {
        useBpf(new FakeBpf().verifierLog("processed 2 insns".getBytes(StandardCharsets.US_ASCII)));
        ByteBuffer a = loadAttr(ALLOW_ALL);
        long log = target.allocate(256);
        a.putInt(24, 1).putInt(28, 256).putLong(32, log);
        handle(bpfCall(BpfHandler.BPF_PROG_LOAD, a));
        assertArrayEquals("processed 2 insns\0".getBytes(StandardCharsets.US_ASCII), target.memory(log, 18));
        assertEquals(256, bpf.loads().get(0).program().logSize());

        useBpf(new FakeBpf().verifierLog(new byte[200]).refuse(Errno.EACCES));
        long small = target.allocate(128);
        ByteBuffer b = loadAttr(ALLOW_ALL);
        b.putInt(24, 1).putInt(28, 128).putLong(32, small);
        assertEquals(Errno.EACCES, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, b)));
        assertEquals("the log of a refused program is copied back too, cut to 127 + NUL",
                128, target.writes().get(1).data().length);
    }

    @Test
    public void aLogBufferTheCallerCannotTakeIsEfaultAndTheProgramIsClosed() throws Exception {
        ByteBuffer a = loadAttr(ALLOW_ALL);
        a.putInt(24, 1).putInt(28, 256).putLong(32, target.putReadOnly(new byte[256]));
        assertEquals(Errno.EFAULT, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, a)));
        assertTrue(bpf.closed(bpf.loads().get(0).result().fd()));
    }

    @Test
    public void aRefusedProgramHoldsNoSlotOfTheLimit() throws Exception {
        policy = MapPolicy.of("bpf.maxPrograms", "1");
        useBpf(new FakeBpf().refuse(Errno.EINVAL));
        assertEquals(Errno.EINVAL, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL))));
        useBpf(new FakeBpf());
        assertEquals(Response.Kind.INJECT_FD, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL))).kind());
    }

    @Test
    public void pastMaxProgramsALoadIsEpermUntilTheContainerLetsOneGo() throws Exception {
        policy = MapPolicy.of("bpf.maxPrograms", "1");
        Response first = handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL)));
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL))));
        assertEquals(1, bpf.loads().size());
        // Another container has its own count.
        assertEquals(Response.Kind.INJECT_FD, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL)).container("other")).kind());
        bpf.unload(bpf.programId(first.fd()));
        assertEquals(Response.Kind.INJECT_FD, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL))).kind());
    }

    @Test
    public void aMaxProgramsOfZeroAllowsNoLoad() {
        policy = MapPolicy.of("bpf.maxPrograms", "0");
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL))));
        assertTrue(bpf.loads().isEmpty());
    }

    @Test
    public void helperCallsAndMapReferencesAreEperm() {
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(insns(0x85, 0, 6, 0x95, 0, 0)))));
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD,
                loadAttr(insns(0x18, 1, 3, 0, 0, 0, 0xb7, 0, 0, 0x95, 0, 0)))));
        assertTrue(bpf.loads().isEmpty());
    }

    @Test
    public void instructionCountsOutOfRangeAreEinvalOrE2big() {
        ByteBuffer none = loadAttr(ALLOW_ALL).putInt(4, 0);
        assertEquals(Errno.EINVAL, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, none)));
        ByteBuffer many = loadAttr(ALLOW_ALL).putInt(4, DeviceProgram.MAX_INSNS + 1);
        assertEquals(Errno.E2BIG, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, many)));
        ByteBuffer beyond = loadAttr(ALLOW_ALL).putInt(4, 3); // 24 bytes, 16 mapped
        assertEquals(Errno.EFAULT, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, beyond)));
        assertTrue(bpf.loads().isEmpty());
    }

    @Test
    public void anInconsistentLogIsEinval() {
        long log = target.allocate(256);
        assertEquals(Errno.EINVAL, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL).putLong(32, log))));
        assertEquals(Errno.EINVAL, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL).putInt(28, 256))));
        assertEquals(Errno.EINVAL, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL).putInt(24, 1).putInt(28, 256))));
        assertEquals(Errno.EINVAL, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD,
                loadAttr(ALLOW_ALL).putInt(24, 1).putInt(28, 127).putLong(32, log))));
        assertTrue(bpf.loads().isEmpty());
    }

    @Test
    public void aLicenseTooLongIsEinvalAndAnUnreadableOneEfault() {
        long endless = target.putBytes("G".repeat(BpfHandler.PAGE).getBytes(StandardCharsets.US_ASCII));
        target.map(endless + BpfHandler.PAGE, new byte[] {'x'}); // mapped on: no NUL within a page
        assertEquals(Errno.EINVAL, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL).putLong(16, endless))));
        assertEquals(Errno.EFAULT, refusal(bpfCall(BpfHandler.BPF_PROG_LOAD,
                loadAttr(ALLOW_ALL).putLong(16, target.unmappedAddress()))));
        assertTrue(bpf.loads().isEmpty());
    }

    @Test
    public void otherProgramTypesAndLoadFieldsThisHandlerDoesNotCarryGoToTheKernel() throws Exception {
        assertEquals(Response.Kind.CONTINUE, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL).putInt(0, 1))).kind());
        assertEquals(Response.Kind.CONTINUE, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL).putInt(44, 1))).kind());
        assertEquals(Response.Kind.CONTINUE, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL).putInt(68, 1))).kind());
        assertEquals(Response.Kind.CONTINUE, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL).putInt(72, 5))).kind());
        assertTrue(bpf.loads().isEmpty());
        // log_true_size is the kernel's output: a stale value is no reason to refuse.
        ByteBuffer withTrueSize = loadAttr(ALLOW_ALL).putInt(140, 99).putInt(68, Bpf.CGROUP_DEVICE);
        assertEquals(Response.Kind.INJECT_FD, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, withTrueSize)).kind());
    }

    // ---- the attr and the caller ----

    @Test
    public void otherCommandsGoToTheKernelUnread() throws Exception {
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("bpf").args(0 /* MAP_CREATE */, 0x1000, 72)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("bpf").args(36 /* BTF_LOAD */, 0x1000, 72)).kind());
        assertTrue(target.reads().isEmpty());
    }

    @Test
    public void anAttrTheKernelWouldRefuseGoesToTheKernel() throws Exception {
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("bpf").args(BpfHandler.BPF_PROG_LOAD, 0, 152)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("bpf")
                .args(BpfHandler.BPF_PROG_LOAD, target.allocate(8192), BpfHandler.PAGE + 1)).kind());
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("bpf")
                .args(BpfHandler.BPF_PROG_LOAD, target.unmappedAddress(), 152)).kind());
        ByteBuffer big = ByteBuffer.allocate(200).order(ByteOrder.nativeOrder()).put(loadAttr(ALLOW_ALL).array());
        big.put(180, (byte) 1);
        assertEquals(Response.Kind.CONTINUE, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, big)).kind());
        assertTrue(bpf.loads().isEmpty());
    }

    @Test
    public void aShorterAttrReadsAsZeroBeyondItsSize() throws Exception {
        ByteBuffer a = loadAttr(ALLOW_ALL);
        long address = target.putBytes(java.util.Arrays.copyOf(a.array(), 72));
        assertEquals(Response.Kind.INJECT_FD, handle(Notifications.call("bpf").args(BpfHandler.BPF_PROG_LOAD, address, 72)).kind());
    }

    @Test
    public void aCallerThatIsNotContainerRootGoesToTheKernel() throws Exception {
        target.credentials(FakeTarget.identity(ROOT + 1, ROOT + 1, Capability.SYS_ADMIN));
        assertEquals(Response.Kind.CONTINUE, handle(bpfCall(BpfHandler.BPF_PROG_LOAD, loadAttr(ALLOW_ALL))).kind());
        assertEquals(Response.Kind.CONTINUE, handle(bpfCall(BpfHandler.BPF_PROG_ATTACH,
                attachAttr(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI))).kind());
        assertTrue(bpf.loads().isEmpty());
        assertTrue(target.takenFds().isEmpty());
    }

    @Test
    public void aCompatCallerIsServedFromTheLowHalvesOfItsRegisters() throws Exception {
        long g = 0x1357_0000_0000_0000L;
        ByteBuffer a = loadAttr(ALLOW_ALL);
        long attr = target.putBytes(a.array());
        Response r = handle(Notifications.call("bpf").arch("x86").args(g | BpfHandler.BPF_PROG_LOAD, g | attr, g | 152));
        assertEquals(Response.Kind.INJECT_FD, r.kind());
    }

    // ---- BPF_PROG_ATTACH / DETACH ----

    private void giveFds() throws Exception {
        target.fd(3, ownCgroup.resolve("sub")).fd(4, Files.createFile(tmp.getRoot().toPath().resolve("prog")));
    }

    @Test
    public void attachWithAllowMultiToTheContainersOwnCgroupOrBelowIsDone() throws Exception {
        giveFds();
        target.fd(5, ownCgroup);
        assertEquals(Response.Kind.VALUE, handle(bpfCall(BpfHandler.BPF_PROG_ATTACH,
                attachAttr(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI))).kind());
        assertEquals(Response.Kind.VALUE, handle(bpfCall(BpfHandler.BPF_PROG_ATTACH,
                attachAttr(5, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI))).kind());
        FakeBpf.Attachment attached = bpf.attachments().get(0);
        assertTrue(attached.attach());
        assertEquals(target.takenFds().get(0).fd(), attached.targetFd());
        assertEquals(target.takenFds().get(1).fd(), attached.programFd());
        assertEquals(Bpf.CGROUP_DEVICE, attached.attachType());
        assertEquals(Bpf.F_ALLOW_MULTI, attached.flags());
        assertTrue(target.takenFds().stream().allMatch(fd -> fd.closed()));
    }

    @Test
    public void detachFromTheContainersCgroupIsDone() throws Exception {
        giveFds();
        assertEquals(Response.Kind.VALUE, handle(bpfCall(BpfHandler.BPF_PROG_DETACH,
                attachAttr(3, 4, Bpf.CGROUP_DEVICE, 0))).kind());
        assertEquals(false, bpf.attachments().get(0).attach());
    }

    @Test
    public void attachWithoutAllowMultiOrWithReplaceIsEperm() throws Exception {
        giveFds();
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH, attachAttr(3, 4, Bpf.CGROUP_DEVICE, 0))));
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH,
                attachAttr(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_OVERRIDE))));
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH,
                attachAttr(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI | Bpf.F_REPLACE))));
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH,
                attachAttr(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI).putInt(20, 1))));
        assertTrue(target.takenFds().isEmpty());
        assertTrue(bpf.attachments().isEmpty());
    }

    @Test
    public void aCgroupOutsideTheContainersIsEperm() throws Exception {
        giveFds();
        Path outside = Files.createDirectories(tmp.getRoot().toPath().resolve("unified/other"));
        target.fd(6, outside);
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH, attachAttr(6, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI))));
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_DETACH, attachAttr(6, 4, Bpf.CGROUP_DEVICE, 0))));
        assertTrue(bpf.attachments().isEmpty());
        assertTrue("taken fds are closed on refusal too", target.takenFds().stream().allMatch(fd -> fd.closed()));
    }

    @Test
    public void aContainerWithoutACgroupV2DirectoryMayNotAttach() throws Exception {
        giveFds();
        target.noContainerCgroup("");
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH, attachAttr(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI))));
        target.containerCgroup("", new CgroupDirectory(tmp.getRoot().toPath(), ownCgroup, 1));
        assertEquals(Errno.EPERM, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH, attachAttr(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI))));
        assertTrue(bpf.attachments().isEmpty());
    }

    @Test
    public void otherAttachTypesGoToTheKernel() throws Exception {
        giveFds();
        assertEquals(Response.Kind.CONTINUE, handle(bpfCall(BpfHandler.BPF_PROG_ATTACH,
                attachAttr(3, 4, 0 /* BPF_CGROUP_INET_INGRESS */, Bpf.F_ALLOW_MULTI))).kind());
        assertTrue(target.takenFds().isEmpty());
    }

    @Test
    public void aDescriptorTheCallerDoesNotHaveIsEbadf() throws Exception {
        giveFds();
        assertEquals(Errno.EBADF, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH, attachAttr(3, 9, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI))));
        assertTrue(bpf.attachments().isEmpty());
    }

    @Test
    public void theKernelsRefusalToAttachIsTheAnswer() throws Exception {
        giveFds();
        useBpf(new FakeBpf().failAttach(Errno.EINVAL));
        assertEquals(Errno.EINVAL, refusal(bpfCall(BpfHandler.BPF_PROG_ATTACH, attachAttr(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI))));
    }
}
