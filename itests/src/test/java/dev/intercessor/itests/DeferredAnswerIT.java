package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Hashtable;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;

/**
 * {@link Response#later}: a handler answers from another thread, after it has returned, using
 * the call's {@code Target} there (the contract in Response.later's Javadoc); a stage that fails
 * fails the call with its errno.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeferredAnswerIT extends HandlerIT {

    private static final int FIELD = 65; // struct new_utsname: six fields of 65 bytes

    private final ExecutorService answering = Executors.newSingleThreadExecutor(r -> new Thread(r, "it-answering"));
    private final Queue<String> threads = new ConcurrentLinkedQueue<>();
    private ServiceRegistration<SyscallHandler> registration;

    @After
    public void tearDown() {
        if (registration != null) {
            registration.unregister();
        }
        answering.shutdownNow();
    }

    private void register(SyscallHandler handler) throws Exception {
        TestSetup.awaitListener();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(SyscallHandler.HANDLER, "uname-later");
        properties.put(SyscallHandler.SYSCALLS, new String[] {"uname"});
        properties.put(SyscallHandler.ENABLED_BY_DEFAULT, true);
        registration = context.registerService(SyscallHandler.class, handler, properties);
        Thread.sleep(200); // the registry binds it
    }

    @Test
    public void aHandlerAnswersLaterFromAnotherThreadThroughItsTarget() throws Exception {
        register((call, target, policy) -> {
            threads.add("handle " + Thread.currentThread().getName());
            CompletableFuture<Response> answer = new CompletableFuture<>();
            answering.execute(() -> {
                try {
                    Thread.sleep(300); // the notify thread has long gone on
                    threads.add("answer " + Thread.currentThread().getName());
                    byte[] u = new byte[6 * FIELD];
                    byte[] sysname = "later".getBytes(StandardCharsets.US_ASCII);
                    byte[] machine = call.arch().getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(sysname, 0, u, 0, sysname.length);
                    System.arraycopy(machine, 0, u, 4 * FIELD, machine.length);
                    target.write(call.arg(0), u);
                    answer.complete(Response.value(0));
                } catch (SyscallException e) {
                    answer.completeExceptionally(e);
                } catch (InterruptedException e) {
                    answer.completeExceptionally(e);
                }
            });
            return Response.later(answer);
        });
        try (Container c = Container.start(id("later"), "--syscalls", "uname")) {
            long start = System.nanoTime();
            Container.Result r = c.exec("/opt/t/unametest");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(r.toString(), r.out().startsWith("sysname=later machine="));
            assertTrue("answered after the handler's delay: " + millis + " ms", millis >= 300);
            String handled = threads.stream().filter(t -> t.startsWith("handle ")).findFirst().orElseThrow();
            assertTrue(threads.toString(), handled.startsWith("handle intercessor-notify-"));
            assertTrue(threads.toString(), threads.contains("answer it-answering"));
            assertNotEquals(handled.substring(7), "it-answering");
        }
    }

    @Test
    public void aStageThatFailsFailsTheCallWithItsErrno() throws Exception {
        register((call, target, policy) -> Response.later(CompletableFuture.supplyAsync(() -> {
            throw new java.util.concurrent.CompletionException(new SyscallException(Errno.EPERM, "refused later"));
        }, answering)));
        try (Container c = Container.start(id("later-fails"), "--syscalls", "uname")) {
            Container.Result r = c.exec("/opt/t/unametest");
            assertEquals(r.toString(), "errno=EPERM\n", r.out());
        }
    }
}
