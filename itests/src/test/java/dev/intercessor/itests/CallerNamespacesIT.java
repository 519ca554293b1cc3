package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;

import dev.intercessor.api.CallerNamespace;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;

/**
 * {@code Target.inCallerNamespaces}: a uname handler reads the host name in the caller's UTS
 * namespace (the container's own), and its thread is back in the host's afterwards.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CallerNamespacesIT extends HandlerIT {

    private static final int FIELD = 65; // struct new_utsname: six fields of 65 bytes
    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    private final Queue<String> seen = new ConcurrentLinkedQueue<>();
    private ServiceRegistration<SyscallHandler> registration;

    @After
    public void tearDown() {
        if (registration != null) {
            registration.unregister();
        }
    }

    private static String hostname() throws SyscallException {
        try {
            return Files.readString(HOSTNAME).trim();
        } catch (java.io.IOException e) {
            throw new SyscallException(dev.intercessor.api.Errno.EIO, e.toString());
        }
    }

    @Test
    public void aHandlerReadsTheCallersHostNameInItsUtsNamespace() throws Exception {
        TestSetup.awaitListener();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(SyscallHandler.HANDLER, "uname-ns");
        properties.put(SyscallHandler.SYSCALLS, new String[] {"uname"});
        properties.put(SyscallHandler.ENABLED_BY_DEFAULT, true);
        registration = context.registerService(SyscallHandler.class, (call, target, policy) -> {
            String theirs = target.inCallerNamespaces(EnumSet.of(CallerNamespace.UTS, CallerNamespace.NET,
                    CallerNamespace.IPC), CallerNamespacesIT::hostname);
            seen.add("caller " + theirs);
            seen.add("after " + hostname());
            byte[] u = new byte[6 * FIELD];
            byte[] sysname = "Linux".getBytes(StandardCharsets.US_ASCII);
            byte[] nodename = theirs.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(sysname, 0, u, 0, sysname.length);
            System.arraycopy(nodename, 0, u, FIELD, Math.min(nodename.length, FIELD - 1));
            target.write(call.arg(0), u);
            return Response.value(0);
        }, properties);
        Thread.sleep(200); // the registry binds it
        String host = Files.readString(HOSTNAME).trim();
        try (Container c = Container.start(id("uts"), "--syscalls", "uname")) {
            Container.Result r = c.exec("uname -n");
            assertEquals(r.toString(), c.id() + "\n", r.out());
            assertTrue(seen.toString(), seen.contains("caller " + c.id()));
            assertTrue("the notify thread is back in the host's UTS namespace: " + seen, seen.contains("after " + host));
        }
    }
}
