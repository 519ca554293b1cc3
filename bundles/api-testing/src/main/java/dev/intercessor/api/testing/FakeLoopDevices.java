package dev.intercessor.api.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.intercessor.api.Errno;
import dev.intercessor.api.LoopDevices;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

/**
 * A {@link LoopDevices} service that lends made-up device numbers (0, 1, …) and touches no device:
 * the caller's descriptors are declared with {@link #device} (a lent device's number) and
 * {@link #otherContainers} (another container's), and each request is recorded ({@link #calls()}),
 * e.g. {@code configure loop0 backing 4} or {@code clear loop0}. A device is unbound until
 * configured; {@link #assignFree} gives an unbound one again, else a new one up to {@code max}
 * ({@code ENOSPC} beyond).
 */
public final class FakeLoopDevices implements LoopDevices {

    private final Map<Integer, Boolean> bound = new TreeMap<>();
    private final Map<Integer, Integer> callerFds = new HashMap<>();
    private final List<Integer> foreign = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();
    private int next;

    /** Declares the caller's {@code fd} to be its device {@code n} (lent, if {@link #assignFree} gave it). */
    public FakeLoopDevices device(int fd, int n) {
        callerFds.put(fd, n);
        return this;
    }

    /** Declares the caller's {@code fd} to be a loop device lent to another container. */
    public FakeLoopDevices otherContainers(int fd) {
        foreign.add(fd);
        return this;
    }

    /** @return the requests made, in order */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    /** @return the numbers lent, each with whether it is bound */
    public Map<Integer, Boolean> lentDevices() {
        return Map.copyOf(bound);
    }

    @Override
    public int assignFree(Target caller, int max) throws SyscallException {
        for (Map.Entry<Integer, Boolean> e : bound.entrySet()) {
            if (!e.getValue()) {
                calls.add("assignFree loop" + e.getKey());
                return e.getKey();
            }
        }
        if (bound.size() >= max) {
            calls.add("assignFree ENOSPC");
            throw new SyscallException(Errno.ENOSPC, "the container has " + max + " loop devices already");
        }
        int n = next++;
        bound.put(n, false);
        calls.add("assignFree loop" + n);
        return n;
    }

    @Override
    public boolean lent(Target caller, int fd) throws SyscallException {
        if (foreign.contains(fd)) {
            throw new SyscallException(Errno.EPERM, "another container's loop device");
        }
        Integer n = callerFds.get(fd);
        return n != null && bound.containsKey(n);
    }

    private int lentDevice(int fd) throws SyscallException {
        if (!lent(null, fd)) {
            throw new SyscallException(Errno.ENXIO, "not a loop device of this container");
        }
        return callerFds.get(fd);
    }

    @Override
    public void configure(Target caller, int loopFd, int backingFd, byte[] config) throws SyscallException {
        int n = lentDevice(loopFd);
        calls.add((config == null ? "setFd loop" : "configure loop") + n + " backing " + backingFd);
        bound.put(n, true);
    }

    @Override
    public void setStatus(Target caller, int loopFd, byte[] info) throws SyscallException {
        int n = lentDevice(loopFd);
        calls.add("setStatus loop" + n);
    }

    @Override
    public void clear(Target caller, int loopFd) throws SyscallException {
        int n = lentDevice(loopFd);
        if (!bound.get(n)) {
            throw new SyscallException(Errno.ENXIO, "loop" + n + " is not bound");
        }
        calls.add("clear loop" + n);
        bound.remove(n);
    }
}
