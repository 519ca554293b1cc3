package com.example.intercessor.uname;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.intercessor.api.CallerNamespace;
import dev.intercessor.api.Errno;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.testing.FakeTarget;
import dev.intercessor.api.testing.MapPolicy;
import dev.intercessor.api.testing.Notifications;

/** {@link UnameHandler#handle} through the api-testing fakes. */
public class UnameHandlerTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private UnameHandler handler;
    private final FakeTarget target = new FakeTarget();

    @Before
    public void kernel() throws IOException {
        Path kernel = tmp.getRoot().toPath();
        Files.writeString(kernel.resolve("version"), "#1 SMP PREEMPT_DYNAMIC Example 6.1.0-1\n");
        Files.writeString(kernel.resolve("domainname"), "(none)\n");
        Files.writeString(kernel.resolve("hostname"), "web-7\n"); // the fake reads "the caller's" here
        handler = new UnameHandler(kernel);
    }

    private static String field(byte[] utsname, int index) {
        byte[] f = Arrays.copyOfRange(utsname, index * UnameHandler.FIELD, (index + 1) * UnameHandler.FIELD);
        int end = 0;
        while (end < f.length && f[end] != 0) {
            end++;
        }
        assertEquals("field " + index + " is NUL-terminated", 0, f[f.length - 1]);
        return new String(f, 0, end, StandardCharsets.UTF_8);
    }

    @Test
    public void withoutAReleaseTheKernelAnswers() throws Exception {
        long buffer = target.allocate(UnameHandler.SIZE);
        Response r = handler.handle(Notifications.call("uname").args(buffer), target, new MapPolicy());
        assertEquals(Response.Kind.CONTINUE, r.kind());
        assertTrue("nothing written", target.writes().isEmpty());
    }

    @Test
    public void aContainerSeesItsReleaseAndWhatTheKernelWouldGiveForTheRest() throws Exception {
        long buffer = target.allocate(UnameHandler.SIZE);
        Response r = handler.handle(Notifications.call("uname").container("web").args(buffer), target,
                MapPolicy.of("uname.release", "4.19.0-example"));
        assertEquals(Response.Kind.VALUE, r.kind());
        assertEquals(0, r.value());
        byte[] u = target.memory(buffer, UnameHandler.SIZE);
        assertEquals("Linux", field(u, 0));
        assertEquals("the caller's host name, read in its UTS namespace", "web-7", field(u, 1));
        assertEquals(List.of(Set.of(CallerNamespace.UTS)), target.namespaceCalls());
        assertEquals("4.19.0-example", field(u, 2));
        assertEquals("#1 SMP PREEMPT_DYNAMIC Example 6.1.0-1", field(u, 3));
        assertEquals("x86_64", field(u, 4));
        assertEquals("(none)", field(u, 5));
    }

    @Test
    public void theNodenameComesFromPolicyWhenSet() throws Exception {
        long buffer = target.allocate(UnameHandler.SIZE);
        handler.handle(Notifications.call("uname").arch("aarch64").args(buffer), target,
                MapPolicy.of("uname.release", "5.10.0", "uname.nodename", "db-1"));
        byte[] u = target.memory(buffer, UnameHandler.SIZE);
        assertEquals("db-1", field(u, 1));
        assertEquals("aarch64", field(u, 4));
    }

    @Test
    public void aCompatCallerGetsTheKernelsAnswer() throws Exception {
        long buffer = target.allocate(UnameHandler.SIZE);
        Response r = handler.handle(Notifications.call("uname").arch("x86").args(buffer), target,
                MapPolicy.of("uname.release", "4.19.0"));
        assertEquals(Response.Kind.CONTINUE, r.kind());
    }

    @Test
    public void aReleaseThatCannotFitTheFieldIsRefusedWhereItIsSet() {
        assertEquals("longer than 64 characters", UnameHandler.RELEASE.problem("x".repeat(UnameHandler.FIELD)));
        assertNotNull(UnameHandler.RELEASE.problem("4.19\n"));
        assertNotNull(UnameHandler.NODENAME.problem("db 1"));
        assertNull(UnameHandler.RELEASE.problem("x".repeat(UnameHandler.FIELD - 1)));
        // The fake policy refuses it as the core would: the handler never sees it.
        long buffer = target.allocate(UnameHandler.SIZE);
        assertThrows(IllegalArgumentException.class, () -> handler.handle(Notifications.call("uname").args(buffer),
                target, MapPolicy.of("uname.release", "x".repeat(UnameHandler.FIELD))));
        assertEquals(List.of(UnameHandler.RELEASE, UnameHandler.NODENAME), handler.options());
    }

    @Test
    public void anUnwritableBufferFailsWithEfault() {
        long readOnly = target.putReadOnly(new byte[UnameHandler.SIZE]);
        SyscallException e = assertThrows(SyscallException.class, () -> handler.handle(
                Notifications.call("uname").args(readOnly), target, MapPolicy.of("uname.release", "4.19.0")));
        assertEquals(Errno.EFAULT, e.errno());
    }
}
