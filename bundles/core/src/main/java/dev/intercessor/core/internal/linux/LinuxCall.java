package dev.intercessor.core.internal.linux;

/** Work on the calling thread that gives a value or fails with the kernel's errno. */
@FunctionalInterface
public interface LinuxCall<T> {
    T run() throws LinuxException;
}
