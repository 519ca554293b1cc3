package dev.intercessor.handler.sysinfo;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/**
 * {@link SysinfoHandler#handle} through the api-testing fakes, on cgroup directories made in a
 * temporary folder. The host's figures come from this machine's {@code /proc}, as in production.
 */
public class SysinfoHandlerTest {

    private static final long MIB = 1 << 20;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final SysinfoHandler handler = new SysinfoHandler();
    private final FakeTarget target = new FakeTarget().containerInitPid((int) ProcessHandle.current().pid())
            .namespace("time", hostTimeNamespace()).namespace("time_for_children", hostTimeNamespace());

    private static long hostTimeNamespace() {
        try {
            return BootTimeOffset.inode(Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Path write(Path dir, String file, String content) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(file), content);
    }

    /** A cgroup v1 memory cgroup of 256 MiB, 64 MiB used, and a pids cgroup of 7 tasks. */
    private void v1Cgroups() throws IOException {
        Path memoryRoot = tmp.getRoot().toPath().resolve("memory");
        Path memory = memoryRoot.resolve("ctr");
        write(memory, "memory.limit_in_bytes", 256 * MIB + "\n");
        write(memory, "memory.usage_in_bytes", 64 * MIB + "\n");
        write(memory, "memory.stat", "cache 0\ntotal_shmem 8192\n");
        write(memory, "tasks", "1\n2\n");
        Path pidsRoot = tmp.getRoot().toPath().resolve("pids");
        write(pidsRoot.resolve("ctr"), "pids.current", "7\n");
        target.cgroup("memory", new CgroupDirectory(memoryRoot, memory, 1))
                .cgroup("pids", new CgroupDirectory(pidsRoot, pidsRoot.resolve("ctr"), 1));
    }

    private ByteBuffer answer(long buffer) {
        return ByteBuffer.wrap(target.memory(buffer, SysinfoStruct.SIZE)).order(ByteOrder.nativeOrder());
    }

    private Response handle(FakeNotification call) throws Exception {
        return handler.handle(call, target, new MapPolicy());
    }

    @Test
    public void aV1ContainerSeesItsMemoryLimitUsageTasksAndAge() throws Exception {
        v1Cgroups();
        long buffer = target.allocate(SysinfoStruct.SIZE);
        Response r = handle(Notifications.call("sysinfo").args(buffer));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertEquals(0, r.value());

        HostFigures host = HostFigures.read(Path.of("/proc"));
        ByteBuffer info = answer(buffer);
        long total = Math.min(256 * MIB, host.memTotal());
        assertEquals(total, info.getLong(32));
        assertEquals(total - Math.min(64 * MIB, total), info.getLong(40));
        assertEquals(8192, info.getLong(48));
        assertEquals("swap not accounted: the host's", host.swapTotal(), info.getLong(64));
        assertEquals(7, info.getShort(80));
        assertEquals(1, info.getInt(104));
        // Uptime is the container init's age (this JVM here), not the host's.
        long uptime = info.getLong(0);
        long jvmAge = ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
        assertTrue("uptime " + uptime + " vs JVM age " + jvmAge, uptime >= 0 && uptime <= jvmAge + 2);
        assertEquals(1, target.writes().size());
    }

    @Test
    public void aCallerInALoopGetsTheKeptAnswerUntilItsUsageOrUptimeMoves() throws Exception {
        v1Cgroups();
        long first = target.allocate(SysinfoStruct.SIZE);
        long second = target.allocate(SysinfoStruct.SIZE);
        handle(Notifications.call("sysinfo").args(first));
        handle(Notifications.call("sysinfo").args(second));
        assertEquals("within the same second and figures", answer(first), answer(second));

        Path memory = tmp.getRoot().toPath().resolve("memory").resolve("ctr");
        write(memory, "memory.usage_in_bytes", 96 * MIB + "\n");
        long uptimeBefore = answer(first).getLong(0);
        Thread.sleep(1_100); // past the usage's 100 ms and into the next uptime second
        long third = target.allocate(SysinfoStruct.SIZE);
        handle(Notifications.call("sysinfo").args(third));
        long total = answer(third).getLong(32);
        assertEquals("the usage re-read", total - Math.min(96 * MIB, total), answer(third).getLong(40));
        assertTrue("the uptime moved on", answer(third).getLong(0) > uptimeBefore);
    }

    @Test
    public void aV2ContainerGetsItsAncestorsLimitSwapAllowanceAndThreadCount() throws Exception {
        Path root = tmp.getRoot().toPath().resolve("unified");
        Path parent = root.resolve("machine");
        Path ctr = parent.resolve("ctr");
        write(parent, "memory.max", 512 * MIB + "\n");
        write(ctr, "memory.max", "max\n");
        write(ctr, "memory.current", 100 * MIB + "\n");
        write(ctr, "memory.swap.max", "0\n");
        write(ctr, "memory.swap.current", "0\n");
        write(ctr, "memory.stat", "anon 0\nshmem 0\n");
        write(ctr, "cgroup.threads", "10\n11\n12\n");
        target.cgroup("memory", new CgroupDirectory(root, ctr, 2)).noCgroup("pids");
        long buffer = target.allocate(SysinfoStruct.SIZE);

        assertEquals(Response.Kind.VALUE, handle(Notifications.call("sysinfo").arch("aarch64").args(buffer)).kind());
        HostFigures host = HostFigures.read(Path.of("/proc"));
        ByteBuffer info = answer(buffer);
        long total = Math.min(512 * MIB, host.memTotal());
        assertEquals(total, info.getLong(32));
        assertEquals(total - Math.min(100 * MIB, total), info.getLong(40));
        assertEquals(0, info.getLong(64));
        assertEquals(0, info.getLong(72));
        assertEquals(3, info.getShort(80));
    }

    @Test
    public void aCallerInATimeNamespaceSeesItsBootTimeOffsetInTheUptime() throws Exception {
        v1Cgroups();
        long buffer = target.allocate(SysinfoStruct.SIZE);
        handle(Notifications.call("sysinfo").args(buffer));
        long plain = answer(buffer).getLong(0);

        Path proc = tmp.getRoot().toPath().resolve("proc");
        write(proc.resolve("4343"), "timens_offsets", "monotonic 0 0\nboottime 86400 0\n");
        handler.proc = proc;
        FakeTarget inTimeNs = new FakeTarget().pid(4343).containerInitPid((int) ProcessHandle.current().pid())
                .namespace("time", 4026532999L).namespace("time_for_children", 4026532999L);
        v1CgroupsOf(inTimeNs);
        long b = inTimeNs.allocate(SysinfoStruct.SIZE);
        handler.handle(Notifications.call("sysinfo").pid(4343).args(b), inTimeNs, new MapPolicy());
        long shifted = ByteBuffer.wrap(inTimeNs.memory(b, SysinfoStruct.SIZE)).order(ByteOrder.nativeOrder()).getLong(0);
        assertTrue("uptime " + shifted + " vs " + plain + " + 86400", shifted - plain >= 86400 && shifted - plain <= 86402);
    }

    private void v1CgroupsOf(FakeTarget t) {
        Path memoryRoot = tmp.getRoot().toPath().resolve("memory");
        Path pidsRoot = tmp.getRoot().toPath().resolve("pids");
        t.cgroup("memory", new CgroupDirectory(memoryRoot, memoryRoot.resolve("ctr"), 1))
                .cgroup("pids", new CgroupDirectory(pidsRoot, pidsRoot.resolve("ctr"), 1));
    }

    @Test
    public void aCompatCallerGetsTheKernelsAnswerWithoutAnyLookup() throws Exception {
        // No cgroup is configured: the fake would throw if the handler asked for one.
        for (String arch : new String[] {"x86", "x32", "arm"}) {
            assertEquals(arch, Response.Kind.CONTINUE, handle(Notifications.call("sysinfo").arch(arch).args(0x1000)).kind());
        }
        assertTrue(target.writes().isEmpty());
    }

    @Test
    public void aCallerInNoMemoryCgroupGetsTheHostsFigures() throws Exception {
        target.noCgroup("memory").noCgroup("pids");
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("sysinfo").args(target.allocate(112))).kind());
        assertTrue(target.writes().isEmpty());
    }

    @Test
    public void aCgroupThatReadsOddlyGetsTheKernelsAnswerRatherThanAFailure() throws Exception {
        v1Cgroups();
        write(tmp.getRoot().toPath().resolve("memory/ctr"), "memory.limit_in_bytes", "lots\n");
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("sysinfo").args(target.allocate(112))).kind());
        assertTrue(target.writes().isEmpty());
    }

    @Test
    public void anUnwritableBufferIsEfault() throws Exception {
        v1Cgroups();
        assertEquals(Errno.EFAULT, assertThrows(SyscallException.class,
                () -> handle(Notifications.call("sysinfo").args(target.unmappedAddress()))).errno());
        assertEquals(Errno.EFAULT, assertThrows(SyscallException.class,
                () -> handle(Notifications.call("sysinfo").args(target.putReadOnly(new byte[112])))).errno());
        assertEquals("a buffer one byte short", Errno.EFAULT, assertThrows(SyscallException.class,
                () -> handle(Notifications.call("sysinfo").args(target.allocate(111)))).errno());
        assertTrue(target.writes().isEmpty());
    }

    @Test
    public void aCallerThatIsGoneIsEsrch() throws Exception {
        v1Cgroups();
        target.gone();
        assertEquals(Errno.ESRCH, assertThrows(SyscallException.class,
                () -> handle(Notifications.call("sysinfo").args(0x1000))).errno());
    }
}
