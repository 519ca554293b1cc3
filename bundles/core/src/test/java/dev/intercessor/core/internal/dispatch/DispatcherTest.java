package dev.intercessor.core.internal.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.ContainerInit;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.SeccompNotif;
import dev.intercessor.core.internal.policy.ContainerPolicy;
import dev.intercessor.core.internal.record.CallLog;

/**
 * Every call the dispatch step takes gets exactly one answer, whatever its handler does. The
 * answers go to a sink that records them instead of the kernel (the kernel path is the ITs'); the
 * container's init is a real process in a user namespace of its own, so handlers run.
 */
public class DispatcherTest {

    private static final int GETPPID = 110; // x86_64
    private static final int GETPID = 39;

    private record Answer(long id, Response response) {
    }

    private static Process initProcess;
    private static ContainerInit init;

    private final List<Answer> answers = new CopyOnWriteArrayList<>();
    private final HandlerRegistry registry = new HandlerRegistry();
    private final CallLog calls = new CallLog();
    private Dispatcher dispatcher;
    private NotifyChannel channel;
    private ServingThread thread;
    private long nextId = 1;

    @BeforeClass
    public static void startStandInInit() throws IOException, InterruptedException, LinuxException {
        initProcess = new ProcessBuilder("unshare", "--user", "--map-root-user", "sleep", "3600").start();
        String host = Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
        Path ns = Path.of("/proc/" + initProcess.pid() + "/ns/user");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // until unshare has made the namespace and exec'd sleep
        while (Files.readSymbolicLink(ns).toString().equals(host)
                || !Files.readString(Path.of("/proc/" + initProcess.pid() + "/comm")).startsWith("sleep")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the stand-in init did not start");
            }
            Thread.sleep(5);
        }
        init = ContainerInit.open((int) initProcess.pid());
    }

    @AfterClass
    public static void stopStandInInit() {
        if (init != null) {
            init.close();
        }
        if (initProcess != null) {
            initProcess.destroyForcibly();
        }
    }

    @Before
    public void setUp() {
        dispatcher = new Dispatcher(registry, calls, (fd, buffers, id, response) -> {
            answers.add(new Answer(id, response));
            return 0;
        }, null, new dev.intercessor.core.internal.linux.HostFacilities());
        Session session = new Session("test", "1.0.2", init, new ContainerPolicy("test", Map.of(), "", Map::of,
                registry.options()));
        channel = new NotifyChannel(1, -1, (int) initProcess.pid(), session, new CallerHandles.Cache(null));
        session.add(channel);
        thread = new ServingThread();
    }

    private void handle(String syscall, SyscallHandler handler, boolean slow) {
        registry.add(new HandlerBinding("test", List.of(syscall), true, false, slow, 0, 7, "test.bundle", handler));
    }

    /** Dispatches one call of {@code nr} and returns its id. */
    private long call(int nr) {
        long id = nextId++;
        dispatcher.serve(thread, channel, SeccompNotif.of(id, (int) initProcess.pid(), nr,
                SyscallTable.AUDIT_ARCH_X86_64), 0, null);
        return id;
    }

    /** @return the one answer call {@code id} got, once it came; fails on none or more than one */
    private Response onlyAnswer(long id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (answersTo(id).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50); // room for a second answer, which must not come
        List<Response> got = answersTo(id);
        assertEquals("answers to call " + id + ": " + got, 1, got.size());
        return got.get(0);
    }

    private List<Response> answersTo(long id) {
        List<Response> got = new ArrayList<>();
        for (Answer a : answers) {
            if (a.id() == id) {
                got.add(a.response());
            }
        }
        return got;
    }

    @Test
    public void aCallWithoutHandlerIsContinuedOnce() throws InterruptedException {
        handle("getpid", (call, target, policy) -> Response.value(1), false);
        long id = call(GETPPID);
        assertSame(Response.Kind.CONTINUE, onlyAnswer(id).kind());
        assertEquals(1, channel.session().continued());
        assertEquals("a plain continue is seen once", 1, channel.session().seen());
    }

    @Test
    public void aHandlersValueIsTheOneAnswer() throws InterruptedException {
        handle("getppid", (call, target, policy) -> Response.value(4711), false);
        Response r = onlyAnswer(call(GETPPID));
        assertSame(Response.Kind.VALUE, r.kind());
        assertEquals(4711, r.value());
        assertEquals(1, calls.recent("test", 10).size());
    }

    @Test
    public void aHandlersRefusalIsTheOneAnswer() throws InterruptedException {
        handle("getppid", (call, target, policy) -> {
            throw new SyscallException(Errno.EACCES, "no");
        }, false);
        Response r = onlyAnswer(call(GETPPID));
        assertEquals(Errno.EACCES, r.errno());
    }

    @Test
    public void aHandlerThatThrowsGetsEnosys() throws InterruptedException {
        handle("getppid", (call, target, policy) -> {
            throw new IllegalStateException("a bug in the handler");
        }, false);
        assertEquals(Errno.ENOSYS, onlyAnswer(call(GETPPID)).errno());
    }

    @Test
    public void aHandlerThatThrowsAnErrorGetsEnosys() throws InterruptedException {
        handle("getppid", (call, target, policy) -> {
            throw new StackOverflowError();
        }, false);
        assertEquals(Errno.ENOSYS, onlyAnswer(call(GETPPID)).errno());
    }

    @Test
    public void aHandlerThatReturnsNothingGetsEnosys() throws InterruptedException {
        handle("getppid", (call, target, policy) -> null, false);
        assertEquals(Errno.ENOSYS, onlyAnswer(call(GETPPID)).errno());
    }

    @Test
    public void aHandlerWhoseBundleGoesAwayDuringTheCallLetsTheKernelRunIt() throws InterruptedException {
        handle("getppid", (call, target, policy) -> {
            registry.remove(7); // its bundle stops while the call runs: its classes fail
            throw new NoClassDefFoundError("dev/example/Gone");
        }, false);
        assertSame(Response.Kind.CONTINUE, onlyAnswer(call(GETPPID)).kind());
        assertSame(Response.Kind.CONTINUE, onlyAnswer(call(GETPPID)).kind()); // and the next goes to the kernel
    }

    @Test
    public void aDeferredAnswerIsSentOnceWhenItCompletes() throws InterruptedException {
        CompletableFuture<Response> later = new CompletableFuture<>();
        handle("getppid", (call, target, policy) -> Response.later(later), false);
        long id = call(GETPPID);
        assertEquals(List.of(), answersTo(id));
        later.complete(Response.value(5));
        later.complete(Response.value(6)); // a second completion is nothing
        assertEquals(5, onlyAnswer(id).value());
    }

    @Test
    public void aDeferredFailureIsTheOneAnswer() throws InterruptedException {
        CompletableFuture<Response> later = new CompletableFuture<>();
        handle("getppid", (call, target, policy) -> Response.later(later), false);
        long id = call(GETPPID);
        later.completeExceptionally(new SyscallException(Errno.EIO, "broken"));
        assertEquals(Errno.EIO, onlyAnswer(id).errno());
    }

    @Test
    public void aDeferredAnswerThatNeverComesTimesOutWithEintr() throws InterruptedException {
        dispatcher.setDeferredTimeoutMillis(100);
        handle("getppid", (call, target, policy) -> Response.later(new CompletableFuture<>()), false);
        assertEquals(Errno.EINTR, onlyAnswer(call(GETPPID)).errno());
    }

    @Test
    public void aSlowHandlerRunsOffTheNotifyThreadAndAnswersOnce() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        String[] ranOn = {null};
        handle("getppid", (call, target, policy) -> {
            ranOn[0] = Thread.currentThread().getName();
            release.await(5, TimeUnit.SECONDS);
            return Response.value(9);
        }, true);
        long id = call(GETPPID); // returns while the handler still waits
        assertEquals(List.of(), answersTo(id));
        release.countDown();
        assertEquals(9, onlyAnswer(id).value());
        assertEquals(true, ranOn[0].startsWith("intercessor-slow-"));
    }

    @Test
    public void slowCallsBeyondTheContainersLimitGetEagain() throws InterruptedException {
        dispatcher.setSlowCallsPerContainer(1);
        CountDownLatch release = new CountDownLatch(1);
        handle("getppid", (call, target, policy) -> {
            release.await(5, TimeUnit.SECONDS);
            return Response.value(1);
        }, true);
        long first = call(GETPPID);
        long second = call(GETPPID);
        assertEquals(Errno.EAGAIN, onlyAnswer(second).errno());
        release.countDown();
        assertEquals(1, onlyAnswer(first).value());
    }

    @Test
    public void aDisabledHandlerLeavesTheCallToTheKernel() throws InterruptedException {
        handle("getppid", (call, target, policy) -> Response.value(1), false);
        Session session = new Session("off", "1.0.2", init, new ContainerPolicy("off",
                Map.of("dev.intercessor.test.enabled", "false"), "", Map::of, registry.options()));
        channel = new NotifyChannel(2, -1, (int) initProcess.pid(), session, new CallerHandles.Cache(null));
        assertSame(Response.Kind.CONTINUE, onlyAnswer(call(GETPPID)).kind());
    }

    @Test
    public void aContainerWithTwoHeldThreadsGetsEagainWithoutItsHandler() throws InterruptedException {
        int[] ran = {0};
        handle("getppid", (call, target, policy) -> {
            ran[0]++;
            return Response.value(1);
        }, false);
        channel.session().stuckCallStarted();
        channel.session().stuckCallStarted();
        assertEquals(Errno.EAGAIN, onlyAnswer(call(GETPPID)).errno());
        assertEquals(0, ran[0]);
        channel.session().stuckCallEnded();
        assertEquals(1, onlyAnswer(call(GETPPID)).value());
    }

    @Test
    public void everyCallOfAMixGetsExactlyOneAnswer() throws InterruptedException {
        handle("getppid", (call, target, policy) -> {
            if (call.id() % 3 == 0) {
                throw new IllegalStateException("every third fails");
            }
            return call.id() % 3 == 1 ? Response.value(call.id()) : Response.later(
                    CompletableFuture.supplyAsync(() -> Response.errno(Errno.EPERM)));
        }, false);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add(call(i % 2 == 0 ? GETPPID : GETPID));
        }
        for (long id : ids) {
            onlyAnswerQuick(id);
        }
        assertEquals(300, answers.size());
    }

    private void onlyAnswerQuick(long id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (answersTo(id).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals("answers to call " + id, 1, answersTo(id).size());
    }
}
