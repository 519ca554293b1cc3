package dev.intercessor.core.internal.linux;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;
import dev.intercessor.core.internal.linux.ProcTarget.MemoryRead;
import jnr.ffi.Pointer;

/**
 * One call's access to the caller's memory, through {@code /proc/<tid>/mem} of its checked /proc
 * directory (bound to the caller's process, never to its pid), and what a handler read of it,
 * kept for the trace and the audit log.
 */
final class CallerMemory {

    private static final int PAGE = 4096;
    /** How much of each read is kept for the trace, and how many reads. */
    static final int KEPT_BYTES = 256;
    private static final int KEPT_READS = 8;

    /** This thread's PROCMAP_QUERY, over its scratch buffer. */
    private static final ThreadLocal<ProcmapQuery> MAP_QUERY =
            ThreadLocal.withInitial(() -> new ProcmapQuery(Scratch.get().mapQuery));

    private final ProcTarget caller;
    private final HostFacilities host;
    private List<MemoryRead> reads;

    CallerMemory(ProcTarget caller, HostFacilities host) {
        this.caller = caller;
        this.host = host;
    }

    private void remember(long address, byte[] data, boolean cString) {
        if (reads == null) {
            reads = new ArrayList<>(4);
        }
        if (reads.size() < KEPT_READS) {
            reads.add(new MemoryRead(address, Arrays.copyOf(data, Math.min(data.length, KEPT_BYTES)),
                    data.length, cString));
        }
    }

    /** @return what was read, by address (a copy of the list); null if nothing was */
    LongFunction<MemoryRead> reads() {
        if (reads == null) {
            return null;
        }
        List<MemoryRead> kept = List.copyOf(reads);
        return address -> {
            for (MemoryRead r : kept) {
                if (r.address() == address) {
                    return r;
                }
            }
            return null;
        };
    }

    /** Reads what it can; returns the count read (short at the first unreadable byte). */
    private int readSome(long address, Pointer into, int length) throws SyscallException {
        int fd = caller.mem();
        int done = 0;
        while (done < length) {
            long n = FileCalls.pread(fd, into.slice(done), length - done, address + done);
            if (n <= 0) {
                break;
            }
            done += (int) n;
        }
        return done;
    }

    byte[] read(long address, int length) throws SyscallException {
        if (length < 0) {
            throw new SyscallException(Errno.EINVAL, "negative length");
        }
        Pointer buffer = Scratch.get().buffer(Math.max(1, length));
        if (readSome(address, buffer, length) != length) {
            throw caller.stillWaiting() ? new SyscallException(Errno.EFAULT,
                    "cannot read " + length + " bytes at 0x" + Long.toHexString(address)) : caller.gone();
        }
        byte[] data = new byte[length];
        buffer.get(0, data, 0, length);
        remember(address, data, false);
        return data;
    }

    byte[] readCString(long address, int maxLength) throws SyscallException {
        Pointer page = Scratch.get().page;
        byte[] result = new byte[Math.min(maxLength, PAGE)];
        int length = 0;
        long at = address;
        while (length < maxLength) {
            // Never read across a page boundary in one go: the next page may be unmapped.
            int chunk = (int) Math.min(PAGE - (at & (PAGE - 1)), maxLength - length);
            int n = readSome(at, page, chunk);
            for (int i = 0; i < n; i++) {
                byte b = page.getByte(i);
                if (b == 0) {
                    byte[] string = new byte[length];
                    System.arraycopy(result, 0, string, 0, length);
                    remember(address, string, true);
                    return string;
                }
                if (length == result.length) {
                    byte[] bigger = new byte[Math.min(maxLength, result.length * 2)];
                    System.arraycopy(result, 0, bigger, 0, length);
                    result = bigger;
                }
                result[length++] = b;
            }
            if (n < chunk) {
                throw caller.stillWaiting() ? new SyscallException(Errno.EFAULT,
                        "unreadable string at 0x" + Long.toHexString(address)) : caller.gone();
            }
            at += n;
        }
        throw new SyscallException(Errno.ENAMETOOLONG, "string at 0x" + Long.toHexString(address)
                + " has no NUL within " + maxLength + " bytes");
    }

    /**
     * Checks [address, address + length) is mapped writable in the caller, as copy_to_user would
     * need: writes through /proc/<pid>/mem are FOLL_FORCE and would also land on read-only pages.
     */
    private void checkWritable(long address, int length) throws SyscallException {
        if (length == 0 || host.mapQueryMissing()) {
            return;
        }
        ProcmapQuery query = MAP_QUERY.get();
        long end = address + length;
        for (long at = address; Long.compareUnsigned(at, end) < 0; ) {
            long vmaEnd = query.writableEnd(caller.maps(), at);
            if (vmaEnd < 0) {
                if (ProcmapQuery.missing(vmaEnd)) {
                    host.noteMapQueryMissing(); // an older kernel: ptrace's rules, as documented
                    return;
                }
                throw caller.stillWaiting() ? new SyscallException(Errno.EFAULT, "no writable mapping at 0x"
                        + Long.toHexString(at)) : caller.gone();
            }
            at = vmaEnd;
        }
    }

    void write(long address, byte[] data) throws SyscallException {
        Pointer local = Scratch.get().buffer(Math.max(1, data.length));
        local.put(0, data, 0, data.length);
        checkWritable(address, data.length);
        int fd = caller.mem();
        // Through /proc/<pid>/mem of the checked directory: it reaches the caller's memory even if
        // its pid were reused meanwhile (process_vm_writev goes by number; pid_max is 32768 here).
        // No NOTIF_ID_VALID first: the fd is the caller's memory whatever happens to the caller,
        // and a check just before the write would not stop a caller from leaving just after it.
        int done = 0;
        while (done < data.length) {
            long n = FileCalls.pwriteUnsaved(fd, done == 0 ? local : local.slice(done), data.length - done, address + done);
            if (n <= 0) {
                break;
            }
            done += (int) n;
        }
        if (done != data.length) {
            throw caller.stillWaiting() ? new SyscallException(Errno.EFAULT,
                    "cannot write " + data.length + " bytes at 0x" + Long.toHexString(address)) : caller.gone();
        }
    }
}
