package dev.intercessor.core.internal.bpf;

import java.nio.charset.StandardCharsets;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.Bpf;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;
import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxCall;
import dev.intercessor.core.internal.linux.LinuxException;
import dev.intercessor.core.internal.linux.ThreadCapabilities;
import dev.intercessor.core.internal.linux.ThreadMemoryCgroup;
import jnr.ffi.Pointer;

/**
 * The supervisor's {@code bpf(2)} for handlers: each command goes through {@link BpfCommands},
 * which builds its {@code union bpf_attr} in native memory of its own, so every pointer the kernel
 * follows points into the supervisor, never into a caller.
 *
 * <p>Programs are loaded with {@link #LOAD_CAPABILITIES} alone in the loading thread's effective
 * set, so the verifier applies its unprivileged rules: {@code bpf_check} relaxes them with
 * CAP_PERFMON (or CAP_SYS_ADMIN, which {@code bpf_token_capable} counts for every capability):
 * {@code allow_ptr_leaks} (pointer comparisons, partial copies, pointer arithmetic results as
 * scalars), {@code allow_uninit_stack}, {@code bypass_spec_v1/v4} (no Spectre sanitation). The
 * program's fd then also carries no more than these in its file credentials.
 */
@Component(service = Bpf.class)
public class BpfService implements Bpf {

    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_BPF = 39;
    /**
     * What {@code bpf_prog_load} asks of a CGROUP_DEVICE loader: CAP_BPF, and CAP_NET_ADMIN for
     * this "net admin" program type ({@code is_net_admin_prog_type}); the verifier consults
     * neither for its unprivileged rules (measured: with these two, uninitialised stack reads,
     * pointer comparisons and partial pointer copies are refused; with CAP_PERFMON added, or
     * CAP_SYS_ADMIN alone, all three load).
     */
    static final long LOAD_CAPABILITIES = 1L << CAP_BPF | 1L << CAP_NET_ADMIN;
    /** The largest verifier log the supervisor holds for a caller. */
    public static final int MAX_LOG = 1 << 20;

    @Override
    public Loaded load(Program p) {
        return load(p, null);
    }

    @Override
    public Loaded load(Program p, CgroupDirectory memory) {
        if (p.instructions().length == 0 || p.instructions().length % 8 != 0) {
            return new Loaded(-1, Errno.EINVAL, new byte[0]);
        }
        int logSize = p.logLevel() == 0 ? 0 : Math.min(Math.max(0, p.logSize()), MAX_LOG);
        Pointer log = logSize == 0 ? null : Linux.allocate(logSize);
        byte[] name = p.name() == null ? null : p.name().getBytes(StandardCharsets.US_ASCII);

        int fd = -1;
        int errno = 0;
        LinuxCall<Long> unprivileged = () -> ThreadCapabilities.run(LOAD_CAPABILITIES,
                () -> (long) BpfCommands.progLoad(p.type(), p.instructions(), p.license(), p.logLevel(), log, name));
        try {
            fd = (int) (long) (memory == null ? unprivileged.run() : ThreadMemoryCgroup.run(memory, unprivileged));
        } catch (LinuxException e) {
            errno = e.errno();
        }
        byte[] text = new byte[0];
        if (log != null) {
            int n = 0;
            while (n < logSize && log.getByte(n) != 0) {
                n++;
            }
            text = new byte[n];
            log.get(0, text, 0, n);
        }
        return new Loaded(fd, errno, text);
    }

    @Override
    public void close(int fd) {
        Linux.close(fd);
    }

    @Override
    public int programId(int fd) throws SyscallException {
        try {
            return BpfCommands.progId(fd);
        } catch (LinuxException e) {
            throw new SyscallException(e.errno(), e.getMessage());
        }
    }

    @Override
    public boolean isLoaded(int id) {
        try {
            Linux.close(BpfCommands.progFdById(id));
            return true;
        } catch (LinuxException e) {
            return e.errno() != Errno.ENOENT; // anything else: count it still, rather than lose it
        }
    }

    @Override
    public void attach(int targetFd, int programFd, int attachType, int flags) throws SyscallException {
        try {
            BpfCommands.progAttach(targetFd, programFd, attachType, flags);
        } catch (LinuxException e) {
            throw new SyscallException(e.errno(), e.getMessage());
        }
    }

    @Override
    public void detach(int targetFd, int programFd, int attachType) throws SyscallException {
        try {
            BpfCommands.progDetach(targetFd, programFd, attachType);
        } catch (LinuxException e) {
            throw new SyscallException(e.errno(), e.getMessage());
        }
    }
}
