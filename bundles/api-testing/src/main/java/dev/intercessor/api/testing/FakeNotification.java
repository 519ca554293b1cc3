package dev.intercessor.api.testing;

import java.util.concurrent.atomic.AtomicLong;

import dev.intercessor.api.Notification;

/**
 * A {@link Notification} a test sets up fluently, usually from {@link Notifications#call}:
 * <pre>{@code
 * Notification call = Notifications.call("mknodat").args(Target.AT_FDCWD, path, 020666, 0x103);
 * }</pre>
 * Defaults: architecture {@code x86_64}, pid {@link FakeTarget#DEFAULT_PID}, container
 * {@code "container"}, all arguments 0, number -1 (set it with {@link #nr(int)} if the handler
 * looks at it), a fresh id.
 *
 * <p>As the core does, {@link #arg(int)} gives only the low 32 bits, zero-extended, of a register
 * for a 32-bit architecture ({@code x86}, {@code arm}): set the registers as the caller left them
 * and the handler sees what the kernel would let it see.
 */
public final class FakeNotification implements Notification {

    private static final AtomicLong IDS = new AtomicLong(1);

    private long id = IDS.getAndIncrement();
    private int pid = FakeTarget.DEFAULT_PID;
    private String arch = "x86_64";
    private int nr = -1;
    private final String syscall;
    private final long[] registers = new long[6];
    private long instructionPointer;
    private String containerId = "container";

    /** @param syscall the call's name, e.g. {@code mknodat} */
    public FakeNotification(String syscall) {
        this.syscall = syscall;
    }

    /** @return this, with its id set */
    public FakeNotification id(long id) {
        this.id = id;
        return this;
    }

    /** @return this, with the caller's host pid set */
    public FakeNotification pid(int pid) {
        this.pid = pid;
        return this;
    }

    /** @return this, with the architecture set by libseccomp's name ({@code x86_64}, {@code aarch64}, {@code x86}, {@code x32}, {@code arm}) */
    public FakeNotification arch(String arch) {
        this.arch = arch;
        return this;
    }

    /** @return this, with the syscall number set */
    public FakeNotification nr(int nr) {
        this.nr = nr;
        return this;
    }

    /** @return this, with the first registers set to {@code args} (at most six; the rest stay as they were) */
    public FakeNotification args(long... args) {
        if (args.length > 6) {
            throw new IllegalArgumentException("at most 6 arguments, got " + args.length);
        }
        System.arraycopy(args, 0, registers, 0, args.length);
        return this;
    }

    /** @return this, with register {@code index} (0 to 5) set */
    public FakeNotification arg(int index, long value) {
        registers[index] = value;
        return this;
    }

    /** @return this, with the instruction pointer set */
    public FakeNotification instructionPointer(long ip) {
        this.instructionPointer = ip;
        return this;
    }

    /** @return this, with the caller's container id set */
    public FakeNotification container(String containerId) {
        this.containerId = containerId;
        return this;
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
        return arch;
    }

    @Override
    public int nr() {
        return nr;
    }

    @Override
    public String syscall() {
        return syscall;
    }

    /** @return whether {@link #arch()} is a 32-bit ABI whose calls read the low half of each register */
    private boolean thirtyTwoBit() {
        return arch.equals("x86") || arch.equals("arm");
    }

    @Override
    public long arg(int index) {
        long register = registers[index];
        return thirtyTwoBit() ? register & 0xffffffffL : register;
    }

    @Override
    public long instructionPointer() {
        return instructionPointer;
    }

    @Override
    public String containerId() {
        return containerId;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(syscall).append('(');
        for (int i = 0; i < 6; i++) {
            s.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(arg(i)));
        }
        return s.append(") ").append(arch).append(" pid ").append(pid).toString();
    }
}
