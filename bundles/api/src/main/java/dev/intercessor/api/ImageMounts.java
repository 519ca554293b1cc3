package dev.intercessor.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Mounts of filesystem images for a caller, with the supervisor's privilege: a service the core
 * registers, for handlers that have decided the caller may have the mount.
 *
 * @since 1.3
 */
@ProviderType
public interface ImageMounts {

    /**
     * Mounts a filesystem from an image file for the caller: the image and the target are opened
     * as the caller would open them (its root, mount namespace, fsuid, umask: it must be able to
     * read, or for a writable mount write, the image); the supervisor then attaches a loop device
     * (detached again when the mount goes), creates the filesystem ({@code nosuid} and
     * {@code nodev} always) and moves the mount onto the target in the caller's mount namespace.
     * The source may also be a block device the container was given: a block device node the
     * caller can open with the mount's access (no {@code nodev} mount, its own permissions) and
     * its device cgroup allows for that access; no loop device is needed then.
     *
     * @param caller the {@link Target} the core gave the handler for this call
     * @param dirfd  the caller's descriptor relative paths start from, or {@link Target#AT_FDCWD}
     * @throws SyscallException the kernel's errno (e.g. {@code EINVAL} for a bad image or
     *                          option, {@code ENOTBLK} if the source is neither a regular file
     *                          nor a block device, {@code EPERM} if the caller's device cgroup
     *                          does not allow the block device)
     */
    void mountImage(Target caller, int dirfd, ImageMount mount) throws SyscallException;

    /**
     * Mounts an image through a FUSE server instead of the kernel, so the kernel never parses the
     * image: the image (or block device) and target are opened as the caller, and checked, as for
     * {@link #mountImage}; the server is given the same file; a fuse
     * mount owned by the caller's user namespace is made on the target ({@code nosuid},
     * {@code nodev}); the server, the host's program at the absolute path {@code server} under
     * {@code /usr/} (e.g. {@code /usr/bin/fuse2fs}), runs as the container's root in the caller's
     * cgroups and all its namespaces, with a minimal root of its own, no capability outside the
     * caller's bounding set, a seccomp filter and no way for the container to ptrace it, and stops
     * when the mount is unmounted or the container ends. Returns once the mount answers.
     *
     * @param caller the {@link Target} the core gave the handler for this call
     * @throws SyscallException {@code EINVAL} if {@code server} is not a normalized absolute path
     *                          under {@code /usr/}; {@code ENODEV} if the server is not installed or
     *                          the mount does not come up; the kernel's errno for the image and target
     */
    void mountFuse(Target caller, int dirfd, ImageMount mount, String server) throws SyscallException;

    /**
     * Reads bytes of a mount's source, opened as the caller would open it for a read-only mount
     * and checked as for {@link #mountImage} (an image file, or a block device the container was
     * given): for a handler that needs to know what filesystem a source holds without any kernel
     * driver parsing it (e.g. to answer a mount(2) of a type it does not mount as the kernel's
     * driver would, when the superblock is not of that type).
     *
     * @param caller the {@link Target} the core gave the handler for this call
     * @param dirfd  the caller's descriptor relative paths start from, or {@link Target#AT_FDCWD}
     * @param offset where to start, in bytes from the start of the source
     * @param length how many bytes, at most 65536
     * @return the bytes read: fewer than {@code length} where the source ends first
     * @throws SyscallException {@code EINVAL} for a length over 65536 or a negative offset; as
     *                          {@link #mountImage} for a source that is not an image file or a
     *                          given block device; the kernel's errno for opening or reading it
     */
    byte[] readSource(Target caller, int dirfd, String source, long offset, int length) throws SyscallException;
}
