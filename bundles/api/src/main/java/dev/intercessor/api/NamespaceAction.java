package dev.intercessor.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Work done inside some of the caller's namespaces (see {@link Target#inCallerNamespaces}).
 *
 * @param <T> the result
 */
@ConsumerType
@FunctionalInterface
public interface NamespaceAction<T> {
    /**
     * @return the result
     * @throws SyscallException to fail the call with an errno
     */
    T run() throws SyscallException;
}
