import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.Seccomp;
import dev.intercessor.core.internal.linux.SeccompNotif;
import dev.intercessor.core.internal.linux.UnixSocketServer;
import jnr.ffi.Pointer;

/**
 * The benchmark's Java baseline: bench/c/supervisor.c written again in Java on Intercessor's own
 * binding layer (jnr-ffi), and nothing else: a thread per notify fd, a blocking NOTIF_RECV with
 * SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, and
 *   continue   every call answered "continue"
 *   sysinfo    sysinfo() emulated with the C supervisor's kernel work: the caller's kept
 *              /proc/<tid>/mem and maps, PROCMAP_QUERY for a writable mapping, pwrite of the
 *              host's struct sysinfo (no liveness check: a floor, not a safe supervisor)
 *   vouched    as sysinfo, plus the zero-timeout poll(2) of two fds Intercessor makes to vouch
 *              for kept handles (here the thread's pidfd and an eventfd that never fires)
 * What it shows: how much a JVM and jnr-ffi add to the C supervisor, before any of Intercessor's
 * dispatch (bench/floor runs the three side by side). bench/floor compiles it against the core
 * bundle and the jnr-ffi jars the bundle embeds: java -cp … JavaFloor SOCKET MODE
 */
public final class JavaFloor {

    private static final int SYS_SYSINFO = 99; // x86_64
    private static final int SYSINFO_SIZE = 112;
    private static final int QUERY_SIZE = 104;
    private static final long QUERY_REQUEST = 0xc0000000L | ((long) QUERY_SIZE << 16) | ('f' << 8) | 17;

    /** What the core's binding layer does not bind. */
    public interface Host {
        int sysinfo(Pointer info);
    }

    private static final Host HOST = jnr.ffi.LibraryLoader.create(Host.class).load("c");

    /** The path's own calls, bound as the core binds them (errno not saved: none is read here). */
    public interface PathCalls {
        int ioctl(int fd, long request, Pointer arg);

        int poll(Pointer fds, long count, int timeout);

        long pwrite64(int fd, Pointer buffer, long count, long offset);
    }

    private static final PathCalls CALLS = jnr.ffi.LibraryLoader.create(PathCalls.class)
            .option(jnr.ffi.LibraryOption.IgnoreError, true).load("c");
    private static boolean sysinfoMode;
    private static boolean vouched;

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[1].matches("continue|sysinfo|vouched")) {
            System.err.println("usage: JavaFloor SOCKET continue|sysinfo|vouched");
            System.exit(2);
        }
        sysinfoMode = !args[1].equals("continue");
        vouched = args[1].equals("vouched");
        Linux.unlinkat(Linux.AT_FDCWD, args[0]);
        UnixSocketServer server = new UnixSocketServer(args[0], 64);
        byte[] data = new byte[65536];
        while (true) {
            int connection = server.accept();
            try {
                UnixSocketServer.Received r = UnixSocketServer.receive(connection, data, 0, data.length);
                for (int i = 1; i < r.fds.length; i++) {
                    Linux.close(r.fds[i]);
                }
                if (r.fds.length > 0) {
                    int fd = r.fds[0];
                    Thread t = new Thread(() -> serve(fd), "floor-" + fd);
                    t.setDaemon(true);
                    t.start();
                }
            } catch (LinuxException e) {
                System.err.println("receive: " + e.getMessage());
            } finally {
                Linux.close(connection);
            }
        }
    }

    /** The caller thread whose /proc handles are kept. */
    private static final class Caller {
        int tid;
        int mem = -1;
        int maps = -1;
    }

    private static void serve(int fd) {
        Seccomp.Buffers buffers = new Seccomp.Buffers();
        Pointer info = Linux.allocate(SYSINFO_SIZE);
        Pointer query = Linux.allocate(QUERY_SIZE);
        Pointer pollfds = Linux.allocate(16);
        long taken = -1;
        Caller caller = new Caller();
        int pidfd = -1;
        int event = -1;
        try {
            Seccomp.setSyncWakeUp(fd);
            if (vouched) {
                pidfd = Linux.pidfdOpenThread(Linux.gettid());
                event = Linux.libc().eventfd(0, 0x80000); // EFD_CLOEXEC; never written
                pollfds.putInt(0, pidfd);
                pollfds.putShort(4, (short) 1); // POLLIN
                pollfds.putInt(8, event);
                pollfds.putShort(12, (short) 1);
            }
        } catch (LinuxException e) {
            System.err.println("set up: " + e.getMessage());
            return;
        }
        while (true) {
            SeccompNotif call = Seccomp.receive(fd, buffers);
            if (call == null) {
                if ((Seccomp.await(fd, buffers, 0) & Linux.POLLHUP) == 0) {
                    continue; // a caller killed, or a signal
                }
                break; // the container is gone
            }
            boolean cont = true;
            int error = 0;
            if (sysinfoMode && call.nr() == SYS_SYSINFO) {
                cont = false;
                long second = System.nanoTime() / 1_000_000_000L;
                if (second != taken) {
                    HOST.sysinfo(info);
                    taken = second;
                }
                if (vouched) {
                    CALLS.poll(pollfds, 2, 0);
                }
                error = emulate(caller, call.pid(), call.args()[0], info, query);
            }
            try {
                Seccomp.send(fd, buffers, call.id(), 0, error, cont);
            } catch (LinuxException e) {
                // the caller is gone
            }
        }
        Linux.close(caller.mem);
        Linux.close(caller.maps);
        Linux.close(pidfd);
        Linux.close(event);
        Linux.close(fd);
    }

    /** @return 0 or a positive errno */
    private static int emulate(Caller c, int tid, long address, Pointer info, Pointer query) {
        if (c.tid != tid) {
            Linux.close(c.mem);
            Linux.close(c.maps);
            c.tid = tid;
            try {
                c.mem = Linux.openat(Linux.AT_FDCWD, "/proc/" + tid + "/mem", Linux.O_RDWR);
                c.maps = Linux.openat(Linux.AT_FDCWD, "/proc/" + tid + "/maps", Linux.O_RDONLY);
            } catch (LinuxException e) {
                c.tid = 0;
                return 3; // ESRCH
            }
        }
        for (int i = 0; i < QUERY_SIZE; i += 8) {
            query.putLong(i, 0);
        }
        query.putLong(0, QUERY_SIZE);
        query.putLong(8, 0x02); // PROCMAP_QUERY_VMA_WRITABLE
        query.putLong(16, address);
        if (CALLS.ioctl(c.maps, QUERY_REQUEST, query) != 0 || query.getLong(32) < address + SYSINFO_SIZE) {
            return 14; // EFAULT
        }
        return CALLS.pwrite64(c.mem, info, SYSINFO_SIZE, address) == SYSINFO_SIZE ? 0 : 14;
    }
}
