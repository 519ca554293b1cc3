package dev.intercessor.api.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.intercessor.api.Bpf;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

/**
 * A {@link Bpf} service that loads nothing: every load is recorded and, unless {@link #refuse}
 * says otherwise, gives a fresh descriptor (from 200) and program id (from 1), with the verifier
 * log {@link #verifierLog} set. A program counts as loaded ({@link #isLoaded}) until the test
 * {@link #unload}s it; {@link #close} records the descriptor as closed. Attaches and detaches are
 * recorded and succeed unless {@link #failAttach} says otherwise.
 */
public final class FakeBpf implements Bpf {

    /**
     * One load.
     *
     * @param program what was to be loaded
     * @param memory  the memory cgroup it was charged to, {@code null} for {@link #load(Program)}
     * @param result  what the load gave
     */
    public record Load(Program program, CgroupDirectory memory, Loaded result) {
    }

    /**
     * One attach or detach.
     *
     * @param attach     {@code true} for an attach
     * @param targetFd   the target (cgroup) descriptor
     * @param programFd  the program descriptor
     * @param attachType the attach type
     * @param flags      the flags (0 for a detach)
     */
    public record Attachment(boolean attach, int targetFd, int programFd, int attachType, int flags) {
    }

    private int nextFd = 200;
    private int nextId = 1;
    private byte[] log = new byte[0];
    private Integer refusal;
    private Integer attachFailure;
    private final Map<Integer, Integer> idsByFd = new HashMap<>();
    private final Set<Integer> loadedIds = new HashSet<>();
    private final Set<Integer> closed = new HashSet<>();
    private final List<Load> loads = new ArrayList<>();
    private final List<Attachment> attachments = new ArrayList<>();

    /** A service whose loads succeed. */
    public FakeBpf() {
    }

    /** @return this, with loads giving {@code log} as the verifier log */
    public FakeBpf verifierLog(byte[] log) {
        this.log = log.clone();
        return this;
    }

    /** @return this, with loads failing with {@code errno} (the verifier refused), the log still given */
    public FakeBpf refuse(int errno) {
        this.refusal = errno;
        return this;
    }

    /** @return this, with attaches and detaches failing with {@code errno} */
    public FakeBpf failAttach(int errno) {
        this.attachFailure = errno;
        return this;
    }

    /** The program of {@code id} is no longer held by anything: {@link #isLoaded} says so. @return this */
    public FakeBpf unload(int id) {
        loadedIds.remove(id);
        return this;
    }

    /** @return the loads, in order */
    public List<Load> loads() {
        return Collections.unmodifiableList(loads);
    }

    /** @return the attaches and detaches, in order */
    public List<Attachment> attachments() {
        return Collections.unmodifiableList(attachments);
    }

    /** @return whether {@link #close} was called for {@code fd} */
    public boolean closed(int fd) {
        return closed.contains(fd);
    }

    @Override
    public Loaded load(Program program) {
        return load(program, null);
    }

    @Override
    public Loaded load(Program program, CgroupDirectory memory) {
        if (memory != null && memory.version() != 1) {
            throw new IllegalArgumentException("not a cgroup v1 directory: " + memory);
        }
        Loaded result;
        if (refusal != null) {
            result = new Loaded(-1, refusal, log.clone());
        } else {
            int fd = nextFd++;
            int id = nextId++;
            idsByFd.put(fd, id);
            loadedIds.add(id);
            result = new Loaded(fd, 0, log.clone());
        }
        loads.add(new Load(program, memory, result));
        return result;
    }

    @Override
    public void close(int fd) {
        closed.add(fd);
        Integer id = idsByFd.get(fd);
        if (id != null) {
            loadedIds.remove(id); // nothing else held it: it was never injected
        }
    }

    @Override
    public int programId(int fd) throws SyscallException {
        Integer id = idsByFd.get(fd);
        if (id == null) {
            throw new SyscallException(Errno.EBADF, "FakeBpf loaded no program of fd " + fd);
        }
        return id;
    }

    @Override
    public boolean isLoaded(int id) {
        return loadedIds.contains(id);
    }

    @Override
    public void attach(int targetFd, int programFd, int attachType, int flags) throws SyscallException {
        attachments.add(new Attachment(true, targetFd, programFd, attachType, flags));
        if (attachFailure != null) {
            throw new SyscallException(attachFailure, "FakeBpf.attach fails as configured");
        }
    }

    @Override
    public void detach(int targetFd, int programFd, int attachType) throws SyscallException {
        attachments.add(new Attachment(false, targetFd, programFd, attachType, 0));
        if (attachFailure != null) {
            throw new SyscallException(attachFailure, "FakeBpf.detach fails as configured");
        }
    }
}
