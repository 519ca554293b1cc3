package dev.intercessor.core.internal.linux;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

/** A failed system call of the supervisor's own, with its errno. */
public final class LinuxException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String call;

    public LinuxException(String call, int errno) {
        super(call + ": " + Errno.name(errno), null, false, false);
        this.errno = errno;
        this.call = call;
    }

    public int errno() {
        return errno;
    }

    /** @return the same failure as an answer for the caller */
    public SyscallException toSyscallException() {
        return new SyscallException(errno, call);
    }
}
