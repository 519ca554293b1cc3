package dev.intercessor.itests;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.osgi.framework.ServiceRegistration;

import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.Supervision;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallHandler;

/**
 * A handler the test registers for {@code uname}, a call no built-in handler serves: it answers as
 * the kernel would, with the caller's architecture as the system's name and machine, and notes
 * every call it served.
 */
public abstract class UnameHandlerIT extends HandlerIT {

    /** struct new_utsname: six fields of 65 bytes (sysname, nodename, release, version, machine, domainname). */
    private static final int FIELD = 65;

    @Inject
    protected Supervision supervision;

    /** "container syscall arch nr" of every call the uname handler served. */
    protected final Queue<String> seen = new ConcurrentLinkedQueue<>();
    private final List<ServiceRegistration<SyscallHandler>> registered = new ArrayList<>();

    @Before
    public void registerUnameHandler() throws Exception {
        TestSetup.awaitListener();
        register("uname-test", "uname", (call, target, policy) -> {
            seen.add(call.containerId() + " " + call.syscall() + " " + call.arch() + " " + call.nr());
            byte[] u = new byte[6 * FIELD];
            byte[] sysname = ("intercessor-" + call.arch()).getBytes(StandardCharsets.US_ASCII);
            byte[] machine = call.arch().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(sysname, 0, u, 0, sysname.length);
            System.arraycopy(machine, 0, u, 4 * FIELD, machine.length);
            target.write(call.arg(0), u);
            return Response.value(0);
        });
        TestSetup.waitFor(() -> handler("uname-test").state().equals("serving"), "the uname handler serving");
    }

    @After
    public void unregisterHandlers() {
        for (ServiceRegistration<SyscallHandler> r : registered) {
            r.unregister();
        }
        registered.clear();
    }

    /** Registers a handler of the test's, on by default, until the test ends. */
    protected void register(String name, String syscall, SyscallHandler handler) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(SyscallHandler.HANDLER, name);
        properties.put(SyscallHandler.SYSCALLS, new String[] {syscall});
        properties.put(SyscallHandler.ENABLED_BY_DEFAULT, true);
        registered.add(context.registerService(SyscallHandler.class, handler, properties));
    }

    protected HandlerInfo handler(String name) {
        return supervision.handlers().stream().filter(i -> name.equals(i.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no handler " + name + " in " + supervision.handlers()));
    }

    /** @return the host's architecture by libseccomp's name */
    protected static String hostArch() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") ? "x86_64" : arch;
    }
}
