package dev.intercessor.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Work done as the caller (see {@link Target#asCaller}).
 *
 * @param <T> the result
 */
@ConsumerType
@FunctionalInterface
public interface CallerAction<T> {

    /**
     * @param fs file operations that run with the caller's identity, root and namespaces
     * @return the result
     * @throws SyscallException to fail the call with an errno
     */
    T run(CallerFs fs) throws SyscallException;
}
