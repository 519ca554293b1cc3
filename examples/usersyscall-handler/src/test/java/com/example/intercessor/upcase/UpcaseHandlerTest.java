package com.example.intercessor.upcase;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.Test;

import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.testing.FakeNotification;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/** {@link UpcaseHandler#handle} through the api-testing fakes. */
public class UpcaseHandlerTest {

    private final UpcaseHandler handler = new UpcaseHandler();
    private final FakeTarget target = new FakeTarget();

    private static void assertValue(long value, Response r) {
        assertEquals(r.toString(), Response.Kind.VALUE, r.kind());
        assertEquals(value, r.value());
    }

    private static void assertErrno(String what, int errno, Response r) {
        assertEquals(what + ": " + r, Response.Kind.ERRNO, r.kind());
        assertEquals(what, errno, r.errno());
    }

    private static FakeNotification upcase(long buf, long len) {
        // How the core names a number no table has: <arch>:<number>.
        return Notifications.call("x86_64:1000").nr(UpcaseHandler.NR).args(buf, len);
    }

    @Test
    public void lettersOfTheBufferAreUpperCasedInPlaceAndItsLengthReturned() throws Exception {
        byte[] text = "hello, container 7!".getBytes(StandardCharsets.US_ASCII);
        long buf = target.putBytes(text);
        Response r = handler.handle(upcase(buf, text.length), target, new MapPolicy());
        assertValue(text.length, r);
        assertArrayEquals("HELLO, CONTAINER 7!".getBytes(StandardCharsets.US_ASCII), target.memory(buf, text.length));
    }

    @Test
    public void onlyTheGivenLengthIsTouched() throws Exception {
        long buf = target.putBytes("abcdef".getBytes(StandardCharsets.US_ASCII));
        assertValue(3, handler.handle(upcase(buf, 3), target, new MapPolicy()));
        assertArrayEquals("ABCdef".getBytes(StandardCharsets.US_ASCII), target.memory(buf, 6));
    }

    @Test
    public void theBufferIsReadOnce() throws Exception {
        long buf = target.putBytes("once".getBytes(StandardCharsets.US_ASCII));
        handler.handle(upcase(buf, 4), target, new MapPolicy());
        assertEquals(1, target.reads().size());
    }

    @Test
    public void zeroNegativeOrTooLongLengthIsEinval() throws Exception {
        long buf = target.allocate(UpcaseHandler.MAX_LENGTH + 1);
        for (long len : new long[] {0, -1, UpcaseHandler.MAX_LENGTH + 1, 1L << 40}) {
            assertErrno("len " + len, Errno.EINVAL, handler.handle(upcase(buf, len), target, new MapPolicy()));
        }
        assertTrue(target.reads().isEmpty());
    }

    @Test
    public void largestLengthIsServed() throws Exception {
        long buf = target.allocate(UpcaseHandler.MAX_LENGTH);
        assertValue(UpcaseHandler.MAX_LENGTH,
                handler.handle(upcase(buf, UpcaseHandler.MAX_LENGTH), target, new MapPolicy()));
    }

    @Test
    public void unmappedBufferIsEfault() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> handler.handle(upcase(target.unmappedAddress(), 8), target, new MapPolicy()));
        assertEquals(Errno.EFAULT, e.errno());
    }

    @Test
    public void readOnlyBufferIsEfaultAndUnchanged() {
        long buf = target.putReadOnly("const".getBytes(StandardCharsets.US_ASCII));
        SyscallException e = assertThrows(SyscallException.class,
                () -> handler.handle(upcase(buf, 5), target, new MapPolicy()));
        assertEquals(Errno.EFAULT, e.errno());
        assertArrayEquals("const".getBytes(StandardCharsets.US_ASCII), target.memory(buf, 5));
    }
}
