package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.intercessor.api.CallerFd;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Capability;
import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.SyscallException;

/**
 * The host loop devices each container has been lent ({@link dev.intercessor.api.LoopDevices}).
 *
 * <p>A device is the container's while the supervisor holds a descriptor of it: opened with
 * {@code O_EXCL} while it is unbound (so nobody else can bind it: {@code LOOP_CONFIGURE} of another
 * opener must claim it and gets {@code EBUSY}), reopened shared once bound (a mount must claim it
 * itself); bound, the host's {@code LOOP_CTL_GET_FREE} skips it, and with the supervisor's descriptor
 * open it cannot clear itself. When it is given back ({@code LOOP_CLR_FD}, the container's end) the
 * container's device cgroup denies it first, then the supervisor clears it and lets go: the kernel
 * unbinds it when its last opener (a descriptor the container kept, a mount) closes, so no opener of
 * the container's ever sees a device bound to someone else's file.
 */
public final class LoopAssignments {

    private static final Logger LOG = Logger.getLogger(LoopAssignments.class.getName());

    static final int LOOP_MAJOR = LoopDevice.MAJOR;

    private final ContainerInit container;
    /** Device number → the supervisor's descriptor of it; guarded by this. */
    private final Map<Integer, Held> devices = new TreeMap<>();

    private static final class Held {
        int fd;
        boolean bound;
        /** The container asked for LO_FLAGS_AUTOCLEAR: given back once nothing holds it. */
        boolean autoclear;
        /** The device cgroups that were given its rule, to deny it again. */
        final java.util.List<Path> cgroups = new java.util.ArrayList<>();

        Held(int fd) {
            this.fd = fd;
        }
    }

    LoopAssignments(ContainerInit container) {
        this.container = container;
    }

    /** @return how many loop devices it holds */
    synchronized int size() {
        return devices.size();
    }

    /** LOOP_CTL_GET_FREE: see {@link LoopLoans#assignFree}. */
    static int assignFree(LoopLoans loans, ProcTarget caller, int max) throws SyscallException {
        LoopAssignments loops = loans.of(caller.containerInit());
        synchronized (loops) {
            loops.giveBackUnusedAutoclear();
            for (Map.Entry<Integer, Held> e : loops.devices.entrySet()) {
                if (!e.getValue().bound) {
                    loops.makeUsable(caller, e.getKey());
                    return e.getKey();
                }
            }
            if (loops.devices.size() >= max) {
                throw new SyscallException(Errno.ENOSPC, "the container has " + max
                        + " loop devices already (loop.max)");
            }
            Held held = null;
            int n = -1;
            try {
                int control = LoopDevice.openControl();
                try {
                    for (int attempt = 0; held == null; attempt++) {
                        // The kernel's first free device may be one lent to a container and not bound
                        // yet (claimed): then a new device (LOOP_CTL_ADD of -1: the first unused number).
                        n = attempt == 0 ? LoopDevice.firstFree(control) : LoopDevice.addNew(control);
                        int fd = LoopDevice.openExclusive(n);
                        if (fd >= 0 && !LoopDevice.isBound(fd)) {
                            held = new Held(fd);
                        } else {
                            Linux.close(fd); // taken meanwhile (bound, or claimed: EBUSY)
                            if (attempt >= 10) {
                                throw new SyscallException(Errno.EBUSY, "no free loop device stays free");
                            }
                        }
                    }
                } finally {
                    Linux.close(control);
                }
                loops.devices.put(n, held);
                allowInCgroup(caller, n, held.cgroups);
                loops.makeUsable(caller, n);
                return n;
            } catch (LinuxException e) {
                loops.giveBack(n);
                throw e.toSyscallException();
            } catch (SyscallException | RuntimeException e) {
                loops.giveBack(n);
                throw e;
            }
        }
    }

    /** See {@link dev.intercessor.api.LoopDevices#lent}. */
    static boolean lent(LoopLoans loans, ProcTarget caller, int fd) throws SyscallException {
        LoopAssignments loops = loans.of(caller.containerInit());
        try (CallerFd taken = caller.takeFd(fd)) {
            int n = LoopDevice.minorOf(Statx.stat(taken.fd(), Linux.allocate(Statx.SIZE)));
            if (n < 0) {
                return false;
            }
            for (LoopAssignments other : loans.all()) {
                synchronized (other) {
                    if (other.devices.containsKey(n)) {
                        if (other != loops) {
                            throw new SyscallException(Errno.EPERM, "loop" + n + " is another container's");
                        }
                        return true;
                    }
                }
            }
            return false;
        } catch (LinuxException e) {
            throw e.toSyscallException();
        }
    }

    /** LOOP_CONFIGURE / LOOP_SET_FD: see {@link dev.intercessor.api.LoopDevices#configure}. */
    static void configure(LoopLoans loans, ProcTarget caller, int loopFd, int backingFd, byte[] config)
            throws SyscallException {
        LoopAssignments loops = loans.of(caller.containerInit());
        try (CallerFd loop = caller.takeFd(loopFd); CallerFd backing = caller.takeFd(backingFd)) {
            synchronized (loops) {
                int n = loops.deviceOf(loop);
                Held held = loops.devices.get(n);
                FileStat file = Statx.stat(backing.fd(), Linux.allocate(Statx.SIZE));
                if ((file.mode() & FileStat.S_IFMT) != FileStat.S_IFREG) {
                    throw new SyscallException(Errno.EINVAL, "a loop device of the container is backed by a regular file only");
                }
                LoopConfig c = config == null ? LoopConfig.allocate() : LoopConfig.of(config);
                int asked = c.info.flags.intValue();
                int flags = asked & (Linux.LO_FLAGS_READ_ONLY | LoopDevice.LO_FLAGS_DIRECT_IO);
                boolean autoclear = (asked & Linux.LO_FLAGS_AUTOCLEAR) != 0;
                if (!LoopDevice.writable(loop.fd())) {
                    flags |= Linux.LO_FLAGS_READ_ONLY; // as the kernel does for a read-only opener
                }
                c.fd.set(backing.fd());
                c.info.flags.set(flags | Linux.LO_FLAGS_AUTOCLEAR);
                LoopDevice.configure(held.fd, c);
                held.bound = true;
                held.autoclear = autoclear;
                // A mount claims the device exclusively: hold it shared from now on.
                int shared = LoopDevice.openShared(n, held.fd);
                if (shared >= 0) {
                    Linux.close(held.fd);
                    held.fd = shared;
                }
            }
        } catch (LinuxException e) {
            throw e.toSyscallException();
        }
    }

    /** LOOP_SET_STATUS64: see {@link dev.intercessor.api.LoopDevices#setStatus}. */
    static void setStatus(LoopLoans loans, ProcTarget caller, int loopFd, byte[] info) throws SyscallException {
        LoopAssignments loops = loans.of(caller.containerInit());
        try (CallerFd loop = caller.takeFd(loopFd)) {
            synchronized (loops) {
                int n = loops.deviceOf(loop);
                Held held = loops.devices.get(n);
                if (!held.bound) {
                    throw new SyscallException(Errno.ENXIO, "loop" + n + " is not bound");
                }
                LoopInfo64 status = LoopInfo64.of(info);
                LoopDevice.setStatus(held.fd, status);
                held.autoclear = (status.flags.intValue() & Linux.LO_FLAGS_AUTOCLEAR) != 0;
            }
        } catch (LinuxException e) {
            throw e.toSyscallException();
        }
    }

    /** LOOP_CLR_FD: see {@link dev.intercessor.api.LoopDevices#clear}. */
    static void clear(LoopLoans loans, ProcTarget caller, int loopFd) throws SyscallException {
        LoopAssignments loops = loans.of(caller.containerInit());
        try (CallerFd loop = caller.takeFd(loopFd)) {
            synchronized (loops) {
                int n = loops.deviceOf(loop);
                if (!loops.devices.get(n).bound) {
                    throw new SyscallException(Errno.ENXIO, "loop" + n + " is not bound");
                }
                loops.giveBack(n);
            }
        }
    }

    /** @return the number of the assigned loop device {@code loop} is, else ENXIO */
    private int deviceOf(CallerFd loop) throws SyscallException {
        try {
            int n = LoopDevice.minorOf(Statx.stat(loop.fd(), Linux.allocate(Statx.SIZE)));
            if (n >= 0 && devices.containsKey(n)) {
                return n;
            }
            throw new SyscallException(Errno.ENXIO, "not a loop device of this container");
        } catch (LinuxException e) {
            throw e.toSyscallException();
        }
    }

    /** The caller's /dev/loopN: made (a usable node) unless it is that device already. */
    private void makeUsable(ProcTarget caller, int n) throws SyscallException {
        String path = "/dev/loop" + n;
        caller.asCaller(ProcTarget.AT_FDCWD, EnumSet.of(Capability.MKNOD), fs -> {
            FileStat st;
            try {
                st = fs.stat(path, false);
            } catch (SyscallException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
                fs.mknod(path, FileStat.S_IFBLK | 0660, LOOP_MAJOR, n);
                // Kept in the store (until the container detaches): the FUSE helper clones the
                // caller's node and attaches it again.
                ((CallerFiles) fs).mountUsableNode(path, FileStat.S_IFBLK, LOOP_MAJOR, n, true);
                return null;
            }
            if ((st.mode() & FileStat.S_IFMT) != FileStat.S_IFBLK || st.major() != LOOP_MAJOR || st.minor() != n) {
                throw new SyscallException(Errno.EEXIST, path + " in the container is something else");
            }
            return null; // a node of it from an earlier assignment
        });
    }

    /**
     * Writes {@code b 7:N rw} to devices.allow of the container's cgroup and of the caller's, if it
     * is below; each directory written goes to {@code written} first (so a failure still denies).
     */
    private static void allowInCgroup(ProcTarget caller, int n, java.util.List<Path> written) throws SyscallException {
        CgroupDirectory own = caller.containerCgroup("devices").orElse(null);
        if (own == null || own.version() != 1) {
            throw new SyscallException(Errno.EPERM, "no cgroup v1 device controller for the container");
        }
        written.add(own.path());
        write(own.path().resolve("devices.allow"), "b " + LOOP_MAJOR + ":" + n + " rw");
        CgroupDirectory callers = caller.cgroup("devices").orElse(own);
        if (!callers.path().equals(own.path()) && callers.path().startsWith(own.path())) {
            written.add(callers.path());
            write(callers.path().resolve("devices.allow"), "b " + LOOP_MAJOR + ":" + n + " rw");
        }
    }

    private static void write(Path file, String rule) throws SyscallException {
        try {
            Files.writeString(file, rule);
        } catch (IOException e) {
            throw new SyscallException(Errno.EPERM, "cannot write " + file + ": " + e.getMessage());
        }
    }

    /**
     * Denies device {@code n} in the cgroups that were given it, deepest first; a cgroup already gone
     * (the container's end) needs nothing.
     */
    private static void deny(Held held, int n) {
        for (int i = held.cgroups.size() - 1; i >= 0; i--) {
            Path file = held.cgroups.get(i).resolve("devices.deny");
            if (Files.exists(file)) {
                try {
                    write(file, "b " + LOOP_MAJOR + ":" + n + " rwm");
                } catch (SyscallException e) {
                    LOG.log(Level.WARNING, () -> "loop" + n + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * Gives back each bound device the container asked to clear itself that no mount claims (the
     * supervisor's exclusive open succeeds) and no process has open (nor a descriptor of it in any
     * process's table): what the kernel's AUTOCLEAR would have done at the last close.
     */
    private void giveBackUnusedAutoclear() {
        java.util.List<Integer> candidates = new java.util.ArrayList<>();
        for (Map.Entry<Integer, Held> e : devices.entrySet()) {
            if (e.getValue().bound && e.getValue().autoclear) {
                if (LoopDevice.unclaimed(e.getValue().fd)) {
                    candidates.add(e.getKey());
                }
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        java.util.Optional<java.util.Set<Integer>> open = LoopDevice.openElsewhere();
        for (int n : candidates) {
            if (open.isPresent() && !open.get().contains(n)) {
                LOG.log(Level.FINE, () -> "container " + container.pid() + ": loop" + n + " (autoclear) is unused: given back");
                giveBack(n);
            }
        }
    }

    /** Denies, clears and lets go of device {@code n} (nothing if it is not the container's). */
    private void giveBack(int n) {
        Held held = devices.remove(n);
        if (held == null) {
            return;
        }
        deny(held, n); // first: from now on no opener of the container's can be new
        LoopDevice.clear(held.fd); // deferred while others have it open
        Linux.close(held.fd);
    }

    synchronized void releaseAll() {
        for (Integer n : devices.keySet().toArray(new Integer[0])) {
            giveBack(n);
        }
        LOG.log(Level.FINE, () -> "container " + container.pid() + ": its loop devices are given back");
    }
}
