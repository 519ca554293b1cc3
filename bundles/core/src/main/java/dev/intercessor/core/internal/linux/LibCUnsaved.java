package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * The C library calls on every trapped call's path, bound without saving errno. jffi's save
 * (pthread_getspecific and __errno_location after each call) touches pages a system call's return
 * has just dropped from the TLB on these hosts: 2.5–3 % of an emulated call (bench/floor's Java
 * supervisor, sysinfo: 18.4 against 18.9 µs). Used only where a failure needs no errno, or where
 * the call is repeated through {@link LibC} to learn it. Public for jnr-ffi (its implementation is
 * made in a class loader of its own); only the binding classes call it.
 */
public interface LibCUnsaved {

    int ioctl(int fd, long request, Pointer arg);

    int poll(Pointer fds, long count, int timeoutMillis);

    long pwrite64(int fd, Pointer buffer, long count, long offset);
}
