package dev.intercessor.api;

/** Fails a trapped call with an errno; the message says what and why, for the log. */
public class SyscallException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param errno   a positive error number (see {@link Errno})
     * @param message what failed and why
     */
    public SyscallException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** @return the error number the call fails with */
    public int errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        return super.getMessage() + " (" + Errno.name(errno) + ")";
    }
}
