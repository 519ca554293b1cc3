package dev.intercessor.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Host loop devices lent to a container, with the supervisor's privilege: a service the core
 * registers, for a handler that has decided the container may have them. A device is the
 * container's from {@link #assignFree} until {@link #clear} or the container's end; while it is,
 * the host's {@code LOOP_CTL_GET_FREE} does not hand it out (once bound) and the container's
 * {@code /dev/loopN} opens (a usable node, an explicit rule of its cgroup v1 device controller).
 *
 * @since 1.3
 */
@ProviderType
public interface LoopDevices {

    /**
     * {@code LOOP_CTL_GET_FREE} for the caller's container: an unbound device it has already, else
     * a free host loop device (claimed by the supervisor until it is bound), made usable as the
     * caller's {@code /dev/loopN} (created in its root if missing) and allowed ({@code b 7:N rw})
     * in its device cgroup.
     *
     * @param max how many devices the container may have at once
     * @return the device's number N
     * @throws SyscallException {@code ENOSPC} if the container has {@code max} bound devices already;
     *                          {@code EPERM} without a cgroup v1 device controller to allow it in;
     *                          {@code EEXIST} if the caller's {@code /dev/loopN} is something else
     */
    int assignFree(Target caller, int max) throws SyscallException;

    /**
     * @param fd a descriptor of the caller's
     * @return whether it is a loop device lent to the caller's container (else it is the kernel's
     *         to judge: e.g. a device the container was given)
     * @throws SyscallException {@code EPERM} if it is a loop device lent to another container,
     *                          {@code EBADF} if the caller has no such descriptor
     */
    boolean lent(Target caller, int fd) throws SyscallException;

    /**
     * {@code LOOP_CONFIGURE} ({@code config} the caller's {@code struct loop_config}) or
     * {@code LOOP_SET_FD} ({@code config} null) on the caller's descriptor of a device of its
     * container, backed by the caller's descriptor of a regular file. The supervisor binds the device
     * on its own descriptor: {@code LO_FLAGS_AUTOCLEAR} always, read-only when the caller's device or
     * file descriptor is, no partition scan.
     *
     * @throws SyscallException {@code ENXIO} if {@code loopFd} is not a loop device of the caller's
     *                          container, {@code EINVAL} if {@code backingFd} is not a regular file,
     *                          {@code EBADF} for a descriptor the caller does not have, else the kernel's
     */
    void configure(Target caller, int loopFd, int backingFd, byte[] config) throws SyscallException;

    /**
     * {@code LOOP_SET_STATUS64} on the caller's descriptor of a bound device of its container,
     * {@code info} the caller's {@code struct loop_info64}: done by the supervisor on its own
     * descriptor, without {@code LO_FLAGS_PARTSCAN} (the host kernel would parse the partition table
     * of the container's file and make devices the container cannot open).
     *
     * @throws SyscallException {@code ENXIO} if it is not a bound device of the caller's container,
     *                          else the kernel's
     */
    void setStatus(Target caller, int loopFd, byte[] info) throws SyscallException;

    /**
     * {@code LOOP_CLR_FD} on the caller's descriptor of a device of its container: unbinds it (when
     * its last user closes it, as the kernel does) and gives it back to the host; the container's
     * node of it no longer opens.
     *
     * @throws SyscallException {@code ENXIO} if it is not a bound device of the caller's container
     */
    void clear(Target caller, int loopFd) throws SyscallException;
}
