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
 * The supervisor's {@code bpf(2)} for handlers: builds each {@code union bpf_attr} in native
 * memory of its own, so every pointer the kernel follows points into the supervisor, never into
 * a caller.
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

    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_DETACH = 9;
    private static final int BPF_PROG_GET_FD_BY_ID = 13;
    private static final int BPF_OBJ_GET_INFO_BY_FD = 15;
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
    /** Up to {@code log_true_size}: every field this code sets, the rest zero. */
    private static final int ATTR_SIZE = 144;
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
        Pointer insns = Linux.allocate(p.instructions().length);
        insns.put(0, p.instructions(), 0, p.instructions().length);
        byte[] license = Linux.cPath(p.license());
        Pointer licenseBuf = Linux.allocate(license.length);
        licenseBuf.put(0, license, 0, license.length);
        Pointer log = logSize == 0 ? null : Linux.allocate(logSize);

        Pointer attr = Linux.allocate(ATTR_SIZE);
        attr.putInt(0, p.type());
        attr.putInt(4, p.instructions().length / 8);
        attr.putLong(8, insns.address());
        attr.putLong(16, licenseBuf.address());
        attr.putInt(24, logSize == 0 ? 0 : p.logLevel());
        attr.putInt(28, logSize);
        attr.putLong(32, log == null ? 0 : log.address());
        byte[] name = p.name() == null ? new byte[0] : p.name().getBytes(StandardCharsets.US_ASCII);
        attr.put(48, name, 0, Math.min(name.length, 15)); // prog_name[16], NUL-terminated

        int fd = -1;
        int errno = 0;
        LinuxCall<Long> unprivileged = () -> ThreadCapabilities.run(LOAD_CAPABILITIES,
                () -> Linux.bpf(BPF_PROG_LOAD, attr, ATTR_SIZE));
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
        Pointer info = Linux.allocate(8); // struct bpf_prog_info up to id: the kernel fills what fits
        Pointer attr = Linux.allocate(ATTR_SIZE);
        attr.putInt(0, fd);
        attr.putInt(4, 8);
        attr.putLong(8, info.address());
        call(BPF_OBJ_GET_INFO_BY_FD, attr);
        return info.getInt(4);
    }

    @Override
    public boolean isLoaded(int id) {
        Pointer attr = Linux.allocate(ATTR_SIZE);
        attr.putInt(0, id);
        try {
            Linux.close((int) Linux.bpf(BPF_PROG_GET_FD_BY_ID, attr, ATTR_SIZE));
            return true;
        } catch (LinuxException e) {
            return e.errno() != Errno.ENOENT; // anything else: count it still, rather than lose it
        }
    }

    @Override
    public void attach(int targetFd, int programFd, int attachType, int flags) throws SyscallException {
        Pointer attr = Linux.allocate(ATTR_SIZE);
        attr.putInt(0, targetFd);
        attr.putInt(4, programFd);
        attr.putInt(8, attachType);
        attr.putInt(12, flags);
        call(BPF_PROG_ATTACH, attr);
    }

    @Override
    public void detach(int targetFd, int programFd, int attachType) throws SyscallException {
        Pointer attr = Linux.allocate(ATTR_SIZE);
        attr.putInt(0, targetFd);
        attr.putInt(4, programFd);
        attr.putInt(8, attachType);
        call(BPF_PROG_DETACH, attr);
    }

    private static void call(int cmd, Pointer attr) throws SyscallException {
        try {
            Linux.bpf(cmd, attr, ATTR_SIZE);
        } catch (LinuxException e) {
            throw new SyscallException(e.errno(), e.getMessage());
        }
    }
}
