package dev.intercessor.core.internal.dispatch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import jnr.ffi.Pointer;

/**
 * The hot threads' wake hand-shake on the real kernel: the watchdog's signal interrupts a thread
 * that waits in its hot RECV (here: a blocking read, which the signal interrupts the same way), and
 * never a thread at work in a handler's blocking system call.
 */
public class WakeSignalTest {

    private int event;

    @Before
    public void setUp() throws LinuxException {
        Linux.installWakeSignal();
        event = Linux.libc().eventfd(0, Linux.O_CLOEXEC); // reads block
        assertTrue("eventfd: errno " + Linux.errno(), event >= 0);
    }

    @After
    public void tearDown() {
        Linux.close(event);
    }

    /** Reads the eventfd once, blocking: 8 when it was signalled, -EINTR when interrupted. */
    private long blockingRead() {
        Pointer value = Linux.allocate(8);
        long n = Linux.libc().read(event, value, 8);
        return n >= 0 ? n : -Linux.errno();
    }

    private void signalEvent() {
        Pointer one = Linux.allocate(8);
        one.putLong(0, 1);
        Linux.libc().write(event, one, 8);
    }

    /** Starts a notify-like thread that accepts the wake signal, and hands its ServingThread over. */
    private CompletableFuture<ServingThread> thread(java.util.function.Function<ServingThread, Long> body,
            CompletableFuture<Long> result) {
        CompletableFuture<ServingThread> serving = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            Linux.acceptWake();
            ServingThread s = new ServingThread();
            serving.complete(s);
            result.complete(body.apply(s));
        });
        t.setDaemon(true);
        t.start();
        return serving;
    }

    @Test
    public void aThreadWaitingInItsHotReceiveIsWoken() throws Exception {
        CompletableFuture<Long> result = new CompletableFuture<>();
        CountDownLatch waiting = new CountDownLatch(1);
        ServingThread s = thread(t -> {
            t.receiving();
            waiting.countDown();
            long n = blockingRead();
            t.received();
            return n;
        }, result).get(5, TimeUnit.SECONDS);
        waiting.await(5, TimeUnit.SECONDS);
        Thread.sleep(100); // blocked in read by now
        s.wakeIfReceiving();
        assertEquals("interrupted", -Linux.EINTR, (long) result.get(5, TimeUnit.SECONDS));
    }

    @Test
    public void aSignalThatLandsBeforeTheThreadBlocksIsSentAgainUntilItWakes() throws Exception {
        CompletableFuture<Long> result = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch ready = new CountDownLatch(1);
        ServingThread s = thread(t -> {
            t.receiving();
            ready.countDown();
            try {
                asked.await(); // the first signal lands here, in Java, before the system call
            } catch (InterruptedException e) {
                return 0L;
            }
            long n = blockingRead();
            t.received();
            return n;
        }, result).get(5, TimeUnit.SECONDS);
        ready.await(5, TimeUnit.SECONDS);
        s.wakeIfReceiving();
        Thread.sleep(50);
        asked.countDown();
        int sent = 1;
        while (!result.isDone() && sent < 500) { // as the watchdog does, every so often
            Thread.sleep(10);
            s.wakeIfReceiving();
            sent++;
        }
        assertEquals("interrupted by a later signal", -Linux.EINTR, (long) result.get(5, TimeUnit.SECONDS));
        assertTrue("sent again (" + sent + " signals)", sent > 1);
    }

    @Test
    public void aThreadAtWorkIsNeverInterrupted() throws Exception {
        CompletableFuture<Long> result = new CompletableFuture<>();
        CountDownLatch working = new CountDownLatch(1);
        ServingThread s = thread(t -> {
            t.receiving();
            t.received(); // a call came: from here on it works for it
            working.countDown();
            return blockingRead(); // a handler's blocking system call
        }, result).get(5, TimeUnit.SECONDS);
        working.await(5, TimeUnit.SECONDS);
        Thread.sleep(100);
        s.leave = true;
        s.wakeIfReceiving();
        s.wakeIfReceiving();
        Thread.sleep(200);
        assertTrue("still blocked in the handler's read", !result.isDone());
        signalEvent();
        assertEquals("the read completes normally", 8L, (long) result.get(5, TimeUnit.SECONDS));
    }
}
