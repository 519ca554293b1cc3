package dev.intercessor.api;

/**
 * A namespace of the caller that a handler's thread can enter on its own, keeping the supervisor's
 * identity and files (see {@link Target#inCallerNamespaces}).
 */
public enum CallerNamespace {
    /** Host and domain name: what {@code uname} and {@code /proc/sys/kernel/hostname} show. */
    UTS,
    /** Network: sockets made in it, {@code /proc/thread-self/net}. */
    NET,
    /** System V IPC and POSIX message queues. */
    IPC
}
