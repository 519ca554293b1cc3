package dev.intercessor.handler.module;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import dev.intercessor.api.CallerFd;
import dev.intercessor.api.Credentials;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/** {@link ModuleHandler#handle} through the api-testing fakes, with a recording stand-in for the host's loader. */
public class ModuleHandlerTest {

    private static final int CONTAINER_ROOT = 100000;
    private static final long CONTAINER_USERNS = 4026532000L;
    private static final long ALL_CAPS = (1L << 41) - 1;

    /** The host, as the handler sees it: fd flags, the container's user namespace, the loader. */
    private final class RecordingHost implements ModuleHandler.Host {
        int flags = 0; // O_RDONLY
        HostLoader.Outcome outcome = new HostLoader.Outcome(0, false, "");
        final List<List<String>> runs = new ArrayList<>();

        @Override
        public int fdFlags(CallerFd fd) {
            return flags;
        }

        @Override
        public long containerUserNamespace(Target t) {
            return CONTAINER_USERNS;
        }

        @Override
        public HostLoader.Outcome run(List<String> command, long timeoutMillis) throws IOException {
            runs.add(command);
            if (outcome == null) {
                throw new IOException("no such file");
            }
            return outcome;
        }
    }

    private final RecordingHost host = new RecordingHost();
    private Path dir;
    private Path sysModule;
    private ModuleHandler handler;
    private final FakeTarget target = new FakeTarget()
            .credentials(root(ALL_CAPS))
            .uidMap(0, CONTAINER_ROOT, 65536)
            .namespace("user", CONTAINER_USERNS);
    private MapPolicy policy = MapPolicy.of("module.enabled", "true", "module.allowed", "dummy,nf-nat");

    private static Credentials root(long caps) {
        return new Credentials(CONTAINER_ROOT, CONTAINER_ROOT, CONTAINER_ROOT, CONTAINER_ROOT, CONTAINER_ROOT,
                CONTAINER_ROOT, caps, 022);
    }

    @Before
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("module-handler-test");
        sysModule = Files.createDirectories(dir.resolve("sys-module"));
        handler = handler(Map.of("dummy numdummies=2", List.of("numdummies=2")));
    }

    @After
    public void tearDown() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private ModuleHandler handler(Map<String, List<String>> params) {
        return new ModuleHandler(host, ModuleImage.EM_X86_64,
                new ModuleHandler.Settings("/sbin/modprobe", 10_000, 1 << 20, sysModule, params));
    }

    private FakeNotification finit(Path file, long params, long flags) {
        target.fd(5, file);
        return Notifications.call("finit_module").args(5, params, flags);
    }

    private FakeNotification finit(byte[] image) throws IOException {
        return finit(file("m.ko", image), target.putString(""), 0);
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private FakeNotification init(byte[] image) {
        return Notifications.call("init_module").args(target.putBytes(image), image.length, target.putString(""));
    }

    private Response handle(FakeNotification call) throws Exception {
        return handler.handle(call, target, policy);
    }

    private int refusal(FakeNotification call) {
        return assertThrows(SyscallException.class, () -> handle(call)).errno();
    }

    @Test
    public void finitOfAnAllowedModuleLoadsTheHostsModuleOfThatName() throws Exception {
        Response r = handle(finit(Elf.module("dummy")));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertEquals(0, r.value());
        assertEquals(List.of(List.of("/sbin/modprobe", "dummy")), host.runs);
        assertTrue("the duplicate is closed", target.takenFds().get(0).closed());
    }

    @Test
    public void initOfAnAllowedModuleLoadsTheHostsModuleOfThatName() throws Exception {
        assertEquals(0, handle(init(Elf.module("dummy"))).value());
        assertEquals(List.of(List.of("/sbin/modprobe", "dummy")), host.runs);
    }

    @Test
    public void theNameIsTheImagesNeverTheFilesName() throws Exception {
        Path named = file("dummy.ko", Elf.module("evil"));
        assertEquals(Response.Kind.CONTINUE, handle(finit(named, target.putString(""), 0)).kind());
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void dashesAndUnderscoresAreOneInTheListAndTheImage() throws Exception {
        handle(finit(new Elf().modinfo("name=nf-nat").thisModule("nf_nat").build()));
        assertEquals(List.of(List.of("/sbin/modprobe", "nf_nat")), host.runs);
    }

    @Test
    public void aModuleNotAllowedOrNoListIsTheKernels() throws Exception {
        assertEquals(Response.Kind.CONTINUE, handle(init(Elf.module("other"))).kind());
        policy = MapPolicy.of("module.enabled", "true");
        assertEquals(Response.Kind.CONTINUE, handle(init(Elf.module("dummy"))).kind());
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void onlyTheContainersRootWithCapSysModuleInItsOwnNamespaceIsServed() throws Exception {
        target.credentials(root(ALL_CAPS & ~(1L << ModuleHandler.CAP_SYS_MODULE)));
        assertEquals(Response.Kind.CONTINUE, handle(init(Elf.module("dummy"))).kind());
        int user = CONTAINER_ROOT + 1000;
        target.credentials(new Credentials(user, user, user, user, user, user, ALL_CAPS, 022));
        assertEquals(Response.Kind.CONTINUE, handle(init(Elf.module("dummy"))).kind());
        // container root in a user namespace of its own: every capability there, none in the container's
        target.credentials(root(ALL_CAPS)).namespace("user", CONTAINER_USERNS + 1);
        assertEquals(Response.Kind.CONTINUE, handle(init(Elf.module("dummy"))).kind());
        assertTrue(host.runs.isEmpty());
        assertTrue("nothing read for a caller that may not", target.reads().isEmpty());
    }

    @Test
    public void unknownFlagsAreEinvalBeforeAnythingIsRead() throws Exception {
        assertEquals(Errno.EINVAL, refusal(finit(file("m.ko", Elf.module("dummy")), target.putString(""), 8)));
        assertEquals(Errno.EINVAL, refusal(finit(file("m.ko", Elf.module("dummy")), target.putString(""), 0x80000000L)));
        assertTrue(target.takenFds().isEmpty());
        handle(finit(file("m.ko", Elf.module("dummy")), target.putString(""), 3));
        assertEquals("ignore-modversions/vermagic mean nothing for the host's own module", 1, host.runs.size());
    }

    @Test
    public void aCompressedImageIsRefused() throws Exception {
        assertEquals(Errno.EOPNOTSUPP, refusal(finit(file("m.ko.xz", Elf.module("dummy")), target.putString(""), 4)));
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void aDescriptorNotOpenForReadingIsEbadf() throws Exception {
        host.flags = 01; // O_WRONLY
        assertEquals(Errno.EBADF, refusal(finit(Elf.module("dummy"))));
        host.flags = 010000000; // O_PATH
        assertEquals(Errno.EBADF, refusal(finit(Elf.module("dummy"))));
        host.flags = 02; // O_RDWR: readable
        assertEquals(0, handle(finit(Elf.module("dummy"))).value());
        assertEquals(Errno.EBADF, refusal(Notifications.call("finit_module").args(77, target.putString(""), 0)));
    }

    @Test
    public void aDescriptorOfNoRegularFileOrAnEmptyOneIsEinval() throws Exception {
        assertEquals(Errno.EINVAL, refusal(finit(dir, target.putString(""), 0)));
        assertEquals(Errno.EINVAL, refusal(finit(new byte[0])));
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void anImageLargerThanTheBoundIsEfbig() throws Exception {
        byte[] big = new byte[(1 << 20) + 1];
        assertEquals(ModuleHandler.EFBIG, refusal(finit(big)));
        assertEquals(ModuleHandler.EFBIG, refusal(Notifications.call("init_module").args(target.putBytes(new byte[8]),
                (1 << 20) + 1, target.putString(""))));
        assertEquals(ModuleHandler.EFBIG, refusal(Notifications.call("init_module").args(target.putBytes(new byte[8]),
                -1L, target.putString(""))));
        assertTrue("no huge read attempted", target.reads().stream().noneMatch(r -> r.length() > 64));
    }

    @Test
    public void unreadableMemoryIsEfault() {
        assertEquals(Errno.EFAULT, refusal(Notifications.call("init_module").args(target.unmappedAddress(), 4096,
                target.putString(""))));
        byte[] image = Elf.module("dummy");
        long partly = target.putBytes(java.util.Arrays.copyOf(image, 100));
        assertEquals(Errno.EFAULT, refusal(Notifications.call("init_module").args(partly, image.length,
                target.putString(""))));
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void malformedImagesAreEnoexecAndNothingRuns() throws Exception {
        assertEquals(ModuleHandler.ENOEXEC, refusal(init(new byte[64])));
        assertEquals(ModuleHandler.ENOEXEC, refusal(init(new byte[3])));
        assertEquals(ModuleHandler.ENOEXEC, refusal(finit(new byte[10])));
        assertEquals(ModuleHandler.ENOEXEC, refusal(finit(Elf.withShort(Elf.module("dummy"), 60, 0xff00))));
        assertEquals(ModuleHandler.ENOEXEC, refusal(init(new Elf().modinfo("name=dummy").build())));
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void namesWithShellOrPathCharactersAreEnoexecAndNothingRuns() throws Exception {
        for (String name : new String[] {"dummy;reboot", "../dummy", "dummy/x", "$(id)", "dummy dummy"}) {
            assertEquals(name, ModuleHandler.ENOEXEC, refusal(init(new Elf().modinfo("name=" + name).thisModule("dummy")
                    .build())));
        }
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void anAlreadyLoadedModuleIsEexist() throws Exception {
        Files.createDirectories(sysModule.resolve("dummy"));
        Files.writeString(sysModule.resolve("dummy/initstate"), "live\n");
        assertEquals(Errno.EEXIST, refusal(init(Elf.module("dummy"))));
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void aBuiltInModuleIsNotLoadedAndTheLoaderDecides() throws Exception {
        Files.createDirectories(sysModule.resolve("dummy/parameters")); // no initstate: built in
        assertEquals(0, handle(init(Elf.module("dummy"))).value());
        assertEquals(1, host.runs.size());
    }

    @Test
    public void theLoadersFailureIsAClearErrno() throws Exception {
        host.outcome = new HostLoader.Outcome(1, false, "modprobe: FATAL: Module dummy not found in directory /lib/modules/6.1");
        assertEquals(Errno.ENOENT, refusal(init(Elf.module("dummy"))));
        host.outcome = new HostLoader.Outcome(1, false, "modprobe: ERROR: could not insert 'dummy': Invalid argument");
        assertEquals(Errno.EIO, refusal(init(Elf.module("dummy"))));
        host.outcome = new HostLoader.Outcome(-1, true, "");
        assertEquals(Errno.ETIMEDOUT, refusal(init(Elf.module("dummy"))));
        host.outcome = null;
        assertEquals(Errno.EIO, refusal(init(Elf.module("dummy"))));
    }

    @Test
    public void noLoaderRunsForACallerThatStoppedWaiting() throws Exception {
        target.stillWaiting(false);
        assertEquals(Errno.ESRCH, refusal(init(Elf.module("dummy"))));
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void parametersOnlyAsTheOperatorListsThem() throws Exception {
        byte[] image = Elf.module("dummy");
        long at = target.putBytes(image);
        assertEquals(Errno.EINVAL, refusal(Notifications.call("init_module").args(at, image.length,
                target.putString("numdummies=3"))));
        assertEquals(Errno.EINVAL, refusal(Notifications.call("init_module").args(at, image.length,
                target.putString("numdummies=2 x=`id`"))));
        assertEquals(Errno.EFAULT, refusal(Notifications.call("init_module").args(at, image.length, 0)));
        assertEquals(Errno.EINVAL, refusal(Notifications.call("init_module").args(at, image.length,
                target.putString("x".repeat(5000)))));
        assertTrue(host.runs.isEmpty());
        handle(Notifications.call("init_module").args(at, image.length, target.putString(" numdummies=2 ")));
        assertEquals(List.of(List.of("/sbin/modprobe", "dummy", "numdummies=2")), host.runs);
        // the same parameters for another module are not its
        byte[] other = new Elf().modinfo("name=nf_nat").thisModule("nf_nat").build();
        assertEquals(Errno.EINVAL, refusal(Notifications.call("init_module").args(target.putBytes(other), other.length,
                target.putString("numdummies=2"))));
    }

    @Test
    public void theOperatorsParameterListIsChecked() {
        ModuleHandler.Settings s = ModuleHandler.settings(config("/sbin/modprobe",
                "dummy numdummies=2", "dummy", "bad/name x=1", "dummy x=`id`", "dummy -v", "nf-nat a=1 b=2",
                "loop max_loop=8; veth x=1,2 ;"));
        assertEquals(Map.of("dummy numdummies=2", List.of("numdummies=2"), "nf_nat a=1 b=2", List.of("a=1", "b=2"),
                "loop max_loop=8", List.of("max_loop=8"), "veth x=1,2", List.of("x=1,2")), s.params());
    }

    @Test
    public void aLoaderThatIsNotAnAbsolutePathLoadsNothing() throws Exception {
        for (String bad : new String[] {"modprobe", "/sbin/../tmp/x", "/sbin/modprobe -v", "/sbin/mod;probe", ""}) {
            assertEquals(bad, null, ModuleHandler.settings(config(bad)).loader());
        }
        handler = new ModuleHandler(host, ModuleImage.EM_X86_64, ModuleHandler.settings(config("modprobe")));
        assertEquals(Errno.EIO, refusal(init(Elf.module("dummy"))));
        assertTrue(host.runs.isEmpty());
    }

    @Test
    public void aCompatCallerLoadsTheHostsMachinesModules() throws Exception {
        byte[] image = Elf.module("dummy");
        long at = target.putBytes(image);
        handle(Notifications.call("init_module").arch("x86").args(at, image.length, target.putString("")));
        assertEquals(1, host.runs.size());
    }

    @Test
    public void otherSyscallsAreTheKernels() throws Exception {
        assertEquals(Response.Kind.CONTINUE, handle(Notifications.call("delete_module").args(target.putString("dummy"), 0))
                .kind());
    }

    @Test
    public void theRealLoaderRunsWithoutAShellAndIsKilledAtItsDeadline() throws Exception {
        Path log = dir.resolve("argv");
        Path script = Files.writeString(dir.resolve("loader"), "#!/bin/sh\nprintf '%s\\n' \"$@\" >> " + log
                + "\necho loaded $1\n[ \"$1\" = slow ] && sleep 30\nexit 0\n");
        script.toFile().setExecutable(true);
        HostLoader.Outcome ok = HostLoader.run(HostLoader.command(script.toString(), "a;b $(id)", List.of()), 5_000);
        assertEquals(0, ok.exit());
        assertEquals("loaded a;b $(id)", ok.output());
        assertEquals("a;b $(id)\n", Files.readString(log, StandardCharsets.UTF_8));
        long start = System.nanoTime();
        HostLoader.Outcome slow = HostLoader.run(HostLoader.command(script.toString(), "slow", List.of()), 300);
        assertTrue(slow.timedOut());
        assertTrue("killed at its deadline", System.nanoTime() - start < 5_000_000_000L);
    }

    private static ModuleHandler.Config config(String loader, String... params) {
        return new ModuleHandler.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return ModuleHandler.Config.class;
            }

            @Override
            public String loader() {
                return loader;
            }

            @Override
            public long timeoutMillis() {
                return 10_000;
            }

            @Override
            public long maxImageBytes() {
                return 1 << 20;
            }

            @Override
            public String sysModule() {
                return "/sys/module";
            }

            @Override
            public String[] params_allowed() {
                return params;
            }
        };
    }
}
