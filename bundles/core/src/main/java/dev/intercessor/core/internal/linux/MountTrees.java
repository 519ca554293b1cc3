package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * Detached mount trees of the new mount API ({@code open_tree(2)}, {@code move_mount(2)}): a
 * clone of a mount, then attaching it elsewhere, possibly in another mount namespace.
 */
final class MountTrees {

    /** The empty path {@code *_EMPTY_PATH} calls take: the fd itself is meant. */
    private static final Pointer EMPTY = Linux.allocate(1);

    private MountTrees() {
    }

    /**
     * {@code open_tree(dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags)}: a detached clone
     * of the mount at {@code path}. Only mounts of the calling thread's own mount namespace clone.
     */
    static int cloneTree(int dirfd, byte[] cPath, int flags) throws LinuxException {
        Pointer path = Linux.allocate(cPath.length);
        path.put(0, cPath, 0, cPath.length);
        return (int) Linux.check("open_tree", Linux.libc().syscall(Linux.SYS_OPEN_TREE, dirfd, path,
                Linux.OPEN_TREE_CLONE | Linux.OPEN_TREE_CLOEXEC | flags, 0, 0));
    }

    /**
     * {@code move_mount(tree, "", target, "", F_EMPTY_PATH | T_EMPTY_PATH)}: attaches the detached
     * {@code tree} onto the file {@code target} refers to. Loads nothing: safe in another mount
     * namespace once this class is loaded.
     */
    static void move(int tree, int target) throws LinuxException {
        Linux.check("move_mount", Linux.libc().syscall(Linux.SYS_MOVE_MOUNT, tree, EMPTY, target, EMPTY.address(),
                Linux.MOVE_MOUNT_F_EMPTY_PATH | Linux.MOVE_MOUNT_T_EMPTY_PATH));
    }
}
