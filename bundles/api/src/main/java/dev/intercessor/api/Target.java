package dev.intercessor.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Safe access to the process that made a trapped call. Every method is bound to that process,
 * not to its pid: if the caller has gone (and its pid may have been reused) the methods throw
 * {@link SyscallException} with {@code ESRCH} instead of touching another process.
 *
 * <p>Read what you need from the caller's memory once, decide on your copy, and act on your copy:
 * the caller (or another of its threads) can change its memory after you read it.
 */
@ProviderType
public interface Target {

    /** {@code AT_FDCWD}: resolve relative paths from the caller's working directory. */
    int AT_FDCWD = -100;

    /** Largest path the kernel accepts, including the terminating NUL ({@code PATH_MAX}). */
    int PATH_MAX = 4096;

    /** @return the calling thread's id in the host's pid namespace */
    int pid();

    /**
     * Reads {@code length} bytes of the caller's memory.
     *
     * @throws SyscallException {@code EFAULT} if any byte is not readable, {@code ESRCH} if the
     *                          caller is gone
     */
    byte[] read(long address, int length) throws SyscallException;

    /**
     * Reads a NUL-terminated string the way the kernel copies a path from user space, as text.
     *
     * @param maxLength the largest accepted size including the NUL (use {@link #PATH_MAX} for paths)
     * @return the string without its NUL; empty if its bytes are not valid UTF-8, since no Java
     *         string could name that file exactly (leave such a call to the kernel, or use
     *         {@link #readCString} for the raw bytes)
     * @throws SyscallException {@code EFAULT} for an unreadable byte before the NUL,
     *                          {@code ENAMETOOLONG} if no NUL comes within {@code maxLength} bytes
     */
    default Optional<String> readString(long address, int maxLength) throws SyscallException {
        byte[] raw = readCString(address, maxLength);
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /**
     * As {@link #readString}, returning the bytes without the NUL.
     */
    byte[] readCString(long address, int maxLength) throws SyscallException;

    /**
     * Writes into the caller's memory, honouring its page protections (a read-only page gives
     * {@code EFAULT}, as the kernel's own {@code copy_to_user} would).
     */
    void write(long address, byte[] data) throws SyscallException;

    /** @return the caller's identity, read when this target was opened */
    Credentials credentials() throws SyscallException;

    /**
     * @param namespace {@code mnt}, {@code user}, {@code pid}, {@code net}, {@code cgroup}, …
     * @return the inode number identifying the caller's namespace of that kind
     */
    long namespaceInode(String namespace) throws SyscallException;

    /**
     * The host directory of the caller's cgroup for a controller: the cgroup v1 hierarchy that has
     * the controller if there is one, else the cgroup v2 hierarchy if it offers the controller.
     *
     * @param controller a controller such as {@code memory} or {@code pids}; the empty string
     *                   names the cgroup v2 (unified) hierarchy itself
     * @return the directory, if the caller is in such a cgroup
     */
    Optional<CgroupDirectory> cgroup(String controller) throws SyscallException;

    /**
     * @param hostUid a user id as the host sees it
     * @return the id the container's user namespace (its init's) maps it to, or -1 if it does not
     *         map it; a nested namespace the caller made does not count
     */
    int containerUid(int hostUid) throws SyscallException;

    /**
     * @deprecated a privileged one-off: use the {@link Scheduling} service (this default answers
     *             {@code ENOSYS}; the core's targets still do it, for handlers built against 1.2)
     */
    @Deprecated
    default void setScheduler(int pid, int policy, int priority) throws SyscallException {
        throw new SyscallException(Errno.ENOSYS, "Target.setScheduler: use the Scheduling service");
    }

    /**
     * @return the host pid of the init process of the caller's container, as the runtime
     *         reported it
     */
    int containerInitPid();

    /**
     * The host directory of the container's cgroup for a controller, as {@link #cgroup} but for the
     * container's init rather than the caller: the subtree the container may manage.
     */
    Optional<CgroupDirectory> containerCgroup(String controller) throws SyscallException;

    /**
     * Takes a duplicate of one of the caller's file descriptors ({@code pidfd_getfd}), checked to
     * have been taken while the call was still waiting.
     *
     * @param fd the caller's descriptor
     * @return the duplicate, the handler's to close
     * @throws SyscallException {@code EBADF} if the caller has no such descriptor, {@code ESRCH} if
     *                          the caller is gone
     */
    CallerFd takeFd(int fd) throws SyscallException;

    /**
     * @deprecated a privileged one-off: use the {@link ImageMounts} service (this default answers
     *             {@code ENOSYS}; the core's targets still do it, for handlers built against 1.2)
     */
    @Deprecated
    default void mountImage(int dirfd, ImageMount mount) throws SyscallException {
        throw new SyscallException(Errno.ENOSYS, "Target.mountImage: use the ImageMounts service");
    }

    /**
     * @deprecated a privileged one-off: use the {@link ImageMounts} service (this default answers
     *             {@code ENOSYS}; the core's targets still do it, for handlers built against 1.2)
     */
    @Deprecated
    default void mountFuse(int dirfd, ImageMount mount, String server) throws SyscallException {
        throw new SyscallException(Errno.ENOSYS, "Target.mountFuse: use the ImageMounts service");
    }

    /** @return whether the kernel still waits for an answer to this call ({@code NOTIF_ID_VALID}) */
    boolean stillWaiting();

    /**
     * Runs {@code action} as the caller would act: inside its mount namespace and root, with the
     * given directory as working directory, with its umask and fsuid/fsgid, and with no effective
     * capability but {@code capabilities}. Paths given to {@link CallerFs} resolve exactly as the
     * caller's own would, and can never leave its root.
     *
     * <p>The action runs on the current thread, which belongs to the caller until it returns:
     * do only {@link CallerFs} work there (no logging, no class loading, no blocking).
     *
     * @param dirfd        the caller's descriptor to resolve relative paths from, or
     *                     {@link #AT_FDCWD}; {@code EBADF}/{@code ENOTDIR} as the kernel would
     * @param capabilities the capabilities the action needs, checked against nothing: the handler
     *                     decides whether the caller deserves them
     * @param action       the work
     * @return what the action returned
     * @throws SyscallException what the action threw, or {@code ESRCH} if the caller is gone
     */
    <T> T asCaller(int dirfd, Set<Capability> capabilities, CallerAction<T> action)
            throws SyscallException;

    /**
     * Runs {@code action} on the current thread inside the caller's {@code namespaces}, with the
     * supervisor's own identity, root and files: e.g. reading {@code /proc/sys/kernel/hostname}
     * gives the caller's host name, a socket made there is in the caller's network. The thread is
     * back in its own namespaces when this returns. Keep the action short and self-contained: it
     * runs on a notify thread, and whatever it starts (a thread, a pooled connection) would live in
     * the caller's namespaces.
     *
     * @param namespaces which of the caller's namespaces to enter
     * @param action     the work
     * @return what the action returned
     * @throws SyscallException what the action threw, {@code ESRCH} if the caller is gone, or
     *                          {@code ENOSYS} where a target cannot enter namespaces
     * @since 1.3
     */
    default <T> T inCallerNamespaces(Set<CallerNamespace> namespaces, NamespaceAction<T> action)
            throws SyscallException {
        throw new SyscallException(Errno.ENOSYS, "this target cannot enter the caller's namespaces");
    }
}
