package dev.intercessor.api;

import java.util.function.Predicate;

import org.osgi.annotation.versioning.ProviderType;

/**
 * File operations performed as the caller, inside {@link Target#asCaller}. Relative paths resolve
 * from the directory given there; absolute paths from the caller's root. Symlinks resolve inside
 * the caller's root; {@code /proc} magic links are refused ({@code ELOOP}) in the directories of a
 * path, since they could lead outside it.
 */
@ProviderType
public interface CallerFs {

    /**
     * {@code mknodat(2)} as the caller.
     *
     * @param path  where, as the caller named it
     * @param mode  file type and permission bits; the caller's umask applies
     * @param major device major
     * @param minor device minor
     * @throws SyscallException the kernel's errno
     */
    void mknod(String path, int mode, int major, int minor) throws SyscallException;

    /**
     * Whether a device node at {@code path} can be opened: {@code false} on a filesystem that
     * refuses device nodes, such as a tmpfs mounted inside a user namespace ({@code SB_I_NODEV}).
     * Permission bits are not considered.
     *
     * @param path  a character device node
     * @param major the device major it must have
     * @param minor the device minor it must have
     * @throws SyscallException if it cannot be looked up, or is not that device ({@code EINVAL})
     */
    boolean deviceOpens(String path, int major, int minor) throws SyscallException;

    /**
     * Makes the character device node at {@code path} usable where its filesystem will not open
     * device nodes: an identical node (same device number, owner, group and mode) is made on a
     * filesystem of the supervisor's and bind-mounted over it. The caller sees its node, and it
     * opens. If that cannot be done (e.g. the container's quota of such nodes is used up: ENOSPC),
     * the node at {@code path} is removed, so no unusable node is left behind a success.
     *
     * @param path  the node, which must be that character device
     * @param major its device major
     * @param minor its device minor
     * @throws SyscallException the kernel's errno, or ENOSPC for a used-up quota
     */
    void mountUsableNode(String path, int major, int minor) throws SyscallException;

    /**
     * {@code setxattr(2)} ({@code lsetxattr(2)} without following a final symlink) as the caller,
     * on a directory or regular file. The file is looked up first; {@code mayModify} then decides on
     * what was found (it runs inside the caller's context: keep it to arithmetic), and the attribute
     * is set on that very inode.
     *
     * @param path           the file, as the caller named it ({@code "."}: the directory given to
     *                       {@link Target#asCaller})
     * @param followSymlinks whether a final symlink is followed
     * @param name           attribute name, e.g. {@code trusted.overlay.opaque}
     * @param value          attribute value
     * @param flags          {@code XATTR_CREATE} (1), {@code XATTR_REPLACE} (2) or 0
     * @param mayModify      whether the caller may change this file; {@code EPERM} if not
     * @throws SyscallException the kernel's errno; {@code EPERM} for other file types
     */
    void setxattr(String path, boolean followSymlinks, String name, byte[] value, int flags,
            Predicate<FileStat> mayModify) throws SyscallException;

    /**
     * {@code fstatat(2)} as the caller.
     *
     * @param path           what to look up
     * @param followSymlinks whether a final symlink is followed
     * @return what the kernel reports
     */
    FileStat stat(String path, boolean followSymlinks) throws SyscallException;
}
