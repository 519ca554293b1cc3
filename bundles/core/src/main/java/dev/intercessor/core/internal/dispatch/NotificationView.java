package dev.intercessor.core.internal.dispatch;

import dev.intercessor.api.Notification;
import dev.intercessor.core.internal.linux.SeccompNotif;

/** An immutable copy of one received {@code seccomp_notif}. */
final class NotificationView implements Notification {

    private final long id;
    private final int pid;
    private final SyscallTable arch;
    private final int nr;
    private final long ip;
    private final long[] args;
    private final String containerId;

    /** @param arch the table of the call ({@link SyscallTable#forCall}) */
    NotificationView(SeccompNotif call, SyscallTable arch, String containerId) {
        this(call.id(), call.pid(), arch, call.nr(), call.ip(), call.args(), containerId);
    }

    /**
     * @param arch      the table of the call ({@link SyscallTable#forCall})
     * @param registers the six argument registers as the kernel reported them
     */
    NotificationView(long id, int pid, SyscallTable arch, int nr, long ip, long[] registers,
            String containerId) {
        this.id = id;
        this.pid = pid;
        this.arch = arch;
        this.nr = nr;
        this.ip = ip;
        this.args = arch.arguments(registers);
        this.containerId = containerId;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public String arch() {
        return arch.name();
    }

    @Override
    public int nr() {
        return nr;
    }

    @Override
    public String syscall() {
        return arch.callName(nr);
    }

    @Override
    public long arg(int index) {
        return args[index];
    }

    /** @return a copy of the six arguments */
    long[] args() {
        return args.clone();
    }

    @Override
    public long instructionPointer() {
        return ip;
    }

    @Override
    public String containerId() {
        return containerId;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(syscall()).append('(');
        for (int i = 0; i < 6; i++) {
            s.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(args[i]));
        }
        return s.append(')').toString();
    }
}
