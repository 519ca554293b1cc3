package dev.intercessor.core.internal.dispatch;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import dev.intercessor.api.Response;
import dev.intercessor.core.internal.linux.CallerHandles;
import dev.intercessor.core.internal.linux.ContainerInit;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.SeccompNotif;
import dev.intercessor.core.internal.policy.ContainerPolicy;
import dev.intercessor.core.internal.record.CallLog;

/**
 * The in-JVM part of answering a trapped call, without the kernel: read the received
 * {@code seccomp_notif}, find the handler by (arch, nr), ask the container's policy, run the
 * handler, hand the answer to a sink. Regressions in our own code show here without kernel noise.
 *
 * <p>Run: {@code mvn -B -Pbench package -DskipTests && java -jar bench/jmh/target/benchmarks.jar}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DispatchBenchmark {

    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;

    private Dispatcher dispatcher;
    private NotifyChannel channel;
    private ServingThread thread;
    private jnr.ffi.Pointer notif;
    private long answered;
    private long id = 42;
    private Process init;

    @Setup
    public void setUp() {
        HandlerRegistry registry = new HandlerRegistry();
        // A handler that answers from what it knows (no access to the caller): the dispatch cost.
        registry.add(new HandlerBinding("sysinfo", List.of("sysinfo"), true, false, false, 0, 1, "bench",
                (call, target, policy) -> Response.value(0)));
        dispatcher = new Dispatcher(registry, new CallLog(), (fd, b, id, response) -> {
            answered++;
            return 0;
        }, null, new dev.intercessor.core.internal.linux.HostFacilities());
        ContainerInit init = userNamespacedInit();
        Session session = new Session("bench", "1.0.2", init,
                new ContainerPolicy("bench", Map.of(), "", Map::of));
        channel = new NotifyChannel(1, -1, 1, session, new CallerHandles.Cache(null));
        thread = new ServingThread();
        // struct seccomp_notif as the kernel fills it: id at 0, pid at 8, nr at 16, arch at 20.
        notif = thread.buffers.notif;
        notif.putLong(0, 42);
        notif.putInt(8, 4242);
        notif.putInt(20, AUDIT_ARCH_X86_64);
    }

    /** A process in a user namespace of its own stands in for a container's init (else no handler runs). */
    private ContainerInit userNamespacedInit() {
        try {
            init = new ProcessBuilder("unshare", "--user", "--map-root-user", "sleep", "3600").start();
            String host = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/user")).toString();
            java.nio.file.Path ns = java.nio.file.Path.of("/proc/" + init.pid() + "/ns/user");
            while (java.nio.file.Files.readSymbolicLink(ns).toString().equals(host)
                    || !java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + init.pid() + "/comm")).startsWith("sleep")) {
                Thread.sleep(5); // until unshare has made the namespace and exec'd sleep
            }
            return ContainerInit.open((int) init.pid());
        } catch (java.io.IOException | InterruptedException | LinuxException e) {
            throw new IllegalStateException("cannot start a user-namespaced stand-in init", e);
        }
    }

    @TearDown
    public void tearDown() {
        if (init != null) {
            init.destroyForcibly();
        }
    }

    /**
     * getppid, no handler: decoding the received struct, lookup, then "continue", counted, one in
     * 16 timed (the kernel numbers notifications one by one, as here).
     */
    @Benchmark
    public void continueWithoutHandler(Blackhole bh) {
        notif.putLong(0, ++id);
        notif.putInt(16, 110);
        dispatcher.serve(thread, channel, SeccompNotif.decode(notif), 0, null);
        bh.consume(answered);
    }

    /** sysinfo with a handler: decoding, lookup, policy, handler, answer, record. */
    @Benchmark
    public void emulatedByHandler(Blackhole bh) {
        notif.putInt(16, 99);
        dispatcher.serve(thread, channel, SeccompNotif.decode(notif), System.nanoTime(), null);
        bh.consume(answered);
    }
}
