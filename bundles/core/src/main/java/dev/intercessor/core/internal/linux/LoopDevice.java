package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * The host's loop devices as the kernel offers them: {@code /dev/loop-control} and the loop ioctls
 * ({@code include/uapi/linux/loop.h}, {@code drivers/block/loop.c}), the opens that claim a device,
 * and who has one open. {@link LoopAssignments} decides which container holds which.
 */
final class LoopDevice {

    private static final Logger LOG = Logger.getLogger(LoopDevice.class.getName());

    static final int MAJOR = 7;

    private static final long LOOP_CLR_FD = 0x4C01;
    private static final long LOOP_SET_STATUS64 = 0x4C04;
    private static final long LOOP_GET_STATUS64 = 0x4C05;
    private static final long LOOP_CTL_ADD = 0x4C80;
    private static final int LO_FLAGS_PARTSCAN = 8;
    static final int LO_FLAGS_DIRECT_IO = 16;
    private static final int O_EXCL = 0200;

    private LoopDevice() {
    }

    /** @return {@code /dev/loop-control}, open for the ioctls below */
    static int openControl() throws LinuxException {
        return Linux.openat(Linux.AT_FDCWD, "/dev/loop-control", Linux.O_RDWR | Linux.O_CLOEXEC);
    }

    /** {@code LOOP_CTL_GET_FREE}: the number of the first unbound device (made if none). */
    static int firstFree(int control) throws LinuxException {
        return Linux.check("LOOP_CTL_GET_FREE", Linux.libc().ioctl(control, Linux.LOOP_CTL_GET_FREE, 0L));
    }

    /** {@code LOOP_CTL_ADD} of -1: a new device with the first unused number. */
    static int addNew(int control) throws LinuxException {
        return Linux.check("LOOP_CTL_ADD", Linux.libc().ioctl(control, LOOP_CTL_ADD, -1L));
    }

    /**
     * @return {@code /dev/loopN} opened read-write with {@code O_EXCL} (no one else can bind it
     *         then: their {@code LOOP_CONFIGURE} must claim it and gets EBUSY), or -1 if it is
     *         claimed (EBUSY) or gone
     */
    static int openExclusive(int n) {
        return Linux.libc().openat(Linux.AT_FDCWD, Linux.cPath("/dev/loop" + n),
                Linux.O_RDWR | O_EXCL | Linux.O_CLOEXEC, 0);
    }

    /** @return whether the device of {@code fd} is bound to a file (LOOP_GET_STATUS64 says ENXIO if not) */
    static boolean isBound(int fd) {
        LoopInfo64 info = LoopInfo64.allocate();
        return Linux.libc().ioctl(fd, LOOP_GET_STATUS64, Struct.getMemory(info)) == 0
                || Linux.errno() != Errno.ENXIO;
    }

    /** {@code LOOP_CONFIGURE}: binds the device of {@code fd} as {@code config} says. */
    static void configure(int fd, LoopConfig config) throws LinuxException {
        Linux.check("LOOP_CONFIGURE", Linux.libc().ioctl(fd, Linux.LOOP_CONFIGURE, Struct.getMemory(config)));
    }

    /**
     * {@code LOOP_SET_STATUS64}, never with {@code LO_FLAGS_PARTSCAN}: a partition scan would make
     * host nodes ({@code loopNpM}) that are not the device the container was lent.
     */
    static void setStatus(int fd, LoopInfo64 info) throws LinuxException {
        info.flags.set(info.flags.get() & ~LO_FLAGS_PARTSCAN);
        Linux.check("LOOP_SET_STATUS64", Linux.libc().ioctl(fd, LOOP_SET_STATUS64, Struct.getMemory(info)));
    }

    /** {@code LOOP_CLR_FD}: ENXIO if unbound; deferred by the kernel while others have it open. */
    static void clear(int fd) {
        Linux.libc().ioctl(fd, LOOP_CLR_FD, 0L);
    }

    /**
     * @return a shared (read-only, not exclusive) descriptor of device {@code n}, whose exclusive
     *         descriptor is {@code exclusive}; -1 if neither path opens
     */
    static int openShared(int n, int exclusive) {
        int shared = Linux.libc().openat(Linux.AT_FDCWD, Linux.cPath("/dev/loop" + n),
                Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        if (shared < 0) {
            shared = Linux.libc().openat(Linux.AT_FDCWD, Linux.cPath("/proc/self/fd/" + exclusive),
                    Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        }
        return shared;
    }

    /** @return whether nothing claims the device of {@code fd} (an exclusive open succeeds; EBUSY while a mount holds it) */
    static boolean unclaimed(int fd) {
        int claim = Linux.libc().openat(Linux.AT_FDCWD, Linux.cPath("/proc/self/fd/" + fd),
                Linux.O_RDONLY | O_EXCL | Linux.O_CLOEXEC, 0);
        Linux.close(claim);
        return claim >= 0;
    }

    /** @return whether the descriptor was opened for writing (its fdinfo's flags) */
    static boolean writable(int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("flags:")) {
                    int accmode = Integer.parseInt(line.substring(6).trim(), 8) & 3;
                    return accmode == Linux.O_WRONLY || accmode == Linux.O_RDWR;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: read-only
        }
        return false;
    }

    /** @return the minor of the loop device {@code stat} is, or -1 if it is no loop device */
    static int minorOf(FileStat stat) {
        return (stat.mode() & FileStat.S_IFMT) == FileStat.S_IFBLK && stat.major() == MAJOR ? stat.minor() : -1;
    }

    /** @return the loop devices some process other than this one has a descriptor of; empty if unknown */
    static Optional<Set<Integer>> openElsewhere() {
        Set<Integer> open = new HashSet<>();
        String self = Long.toString(ProcessHandle.current().pid());
        Pointer buffer = Linux.allocate(Statx.SIZE);
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                if (process.getFileName().toString().equals(self)) {
                    continue;
                }
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            int n = minorOf(Statx.stat(Linux.AT_FDCWD, Linux.cPath(fd.toString()), 0, buffer));
                            if (n >= 0) {
                                open.add(n);
                            }
                        } catch (LinuxException e) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException | DirectoryIteratorException e) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list /proc: " + e.getMessage() + "; no loop device given back");
            return Optional.empty();
        }
        return Optional.of(open);
    }
}
