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
     * Sets the scheduling policy and priority of a thread of the caller's pid namespace, with the
     * supervisor's privilege: the handler has decided that the caller deserves it.
     *
     * @param pid      the thread as the caller names it (its pid namespace), 0 for the caller
     * @param policy   {@code SCHED_*}, possibly with {@code SCHED_RESET_ON_FORK}; -1 keeps the
     *                 thread's policy ({@code sched_setparam})
     * @param priority the static priority
     * @throws SyscallException {@code ESRCH} if no such thread is in the caller's pid namespace;
     *                          the kernel's errno otherwise
     */
    void setScheduler(int pid, int policy, int priority) throws SyscallException;

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
     * Mounts a filesystem from an image file for the caller: the image and the target are opened
     * as the caller would open them (its root, mount namespace, fsuid, umask: it must be able to
     * read, or for a writable mount write, the image); the supervisor then attaches a loop device
     * (detached again when the mount goes), creates the filesystem ({@code nosuid} and
     * {@code nodev} always) and moves the mount onto the target in the caller's mount namespace.
     *
     * @param dirfd the caller's descriptor relative paths start from, or {@link #AT_FDCWD}
     * @throws SyscallException the kernel's errno (e.g. {@code EINVAL} for a bad image or
     *                          option, {@code ENOTBLK} if the source is not a regular file)
     */
    void mountImage(int dirfd, ImageMount mount) throws SyscallException;

    /**
     * Mounts an image through a FUSE server instead of the kernel, so the kernel never parses the
     * image: the image and target are opened as the caller (as for {@link #mountImage}); a fuse
     * mount owned by the caller's user namespace is made on the target ({@code nosuid},
     * {@code nodev}); the server, the host's program at the absolute path {@code server} under
     * {@code /usr/} (e.g. {@code /usr/bin/fuse2fs}), runs as the container's root in the caller's
     * cgroups and all its namespaces, with a minimal root of its own, no capability outside the
     * caller's bounding set, a seccomp filter and no way for the container to ptrace it, and stops
     * when the mount is unmounted or the container ends. Returns once the mount answers.
     *
     * @throws SyscallException {@code EINVAL} if {@code server} is not a normalized absolute path
     *                          under {@code /usr/}; {@code ENODEV} if the server is not installed or
     *                          the mount does not come up; the kernel's errno for the image and target
     */
    void mountFuse(int dirfd, ImageMount mount, String server) throws SyscallException;

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
