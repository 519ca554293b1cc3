package dev.intercessor.handler.loop;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.intercessor.api.CallerFd;
import dev.intercessor.api.Errno;
import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.HandlerProperties;
import dev.intercessor.api.LoopDevices;
import dev.intercessor.api.Notification;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.api.Target;

/**
 * Loop devices for containers: {@code losetup} and {@code mount -o loop} with host loop devices
 * lent by the supervisor ({@link LoopDevices}).
 *
 * <p>The runtime profile notifies {@code ioctl} only for the loop requests (one argument-conditioned
 * rule: {@code (request & 0xFFFFFF00) == 0x4C00}), so no other ioctl reaches the supervisor; of
 * those, the handler serves:
 * <ul>
 * <li>{@code LOOP_CTL_GET_FREE} on the container's {@code /dev/loop-control}, which is a placeholder
 * (any file of that name, e.g. an empty file {@code intercessor run --loop} binds there), never the
 * host's: its other requests get the kernel's {@code ENOTTY}. The answer is a device lent to the
 * container ({@code loop.max} at once; more: {@code ENOSPC}), whose {@code /dev/loopN} then opens.</li>
 * <li>{@code LOOP_CONFIGURE} and {@code LOOP_SET_FD} on a device lent to the container: bound by the
 * supervisor to the caller's descriptor of a regular file ({@code EINVAL} for anything else);
 * {@code LOOP_SET_STATUS64} is done by the supervisor without {@code LO_FLAGS_PARTSCAN};
 * {@code LOOP_CLR_FD} gives it back; {@code LOOP_CHANGE_FD} and the old {@code LOOP_SET_STATUS} are
 * refused ({@code EINVAL}). On a loop device the container was given otherwise, the kernel's; on
 * another container's, {@code EPERM}.</li>
 * </ul>
 * {@code LOOP_GET_STATUS64}, {@code LOOP_SET_BLOCK_SIZE}, {@code LOOP_SET_CAPACITY} and the rest act
 * on the container's own open device and stay the kernel's.
 */
@Component
@HandlerProperties(handler = "loop", syscalls = "ioctl", enabled_default = false)
public class LoopHandler implements SyscallHandler {

    private static final Logger LOG = System.getLogger("dev.intercessor.handler.loop");

    static final long LOOP_SET_FD = 0x4C00;
    static final long LOOP_CLR_FD = 0x4C01;
    static final long LOOP_SET_STATUS = 0x4C02;
    static final long LOOP_SET_STATUS64 = 0x4C04;
    static final long LOOP_CHANGE_FD = 0x4C06;
    static final long LOOP_CONFIGURE = 0x4C0A;
    static final long LOOP_CTL_GET_FREE = 0x4C82;
    /** The requests served; the others of the notified block go back to the kernel. */
    static final List<Long> REQUESTS = List.of(LOOP_CTL_GET_FREE, LOOP_SET_FD, LOOP_CONFIGURE, LOOP_CLR_FD,
            LOOP_SET_STATUS64, LOOP_SET_STATUS, LOOP_CHANGE_FD);
    static final int LOOP_INFO64_SIZE = 232;
    static final int LOOP_CONFIG_SIZE = 304;

    static final HandlerOption<Long> MAX = HandlerOption.number("loop.max", 4, 0, 64,
            "host loop devices one container may have lent at once; LOOP_CTL_GET_FREE beyond fails with ENOSPC");

    @Reference
    LoopDevices loops;

    @Override
    public List<HandlerOption<?>> options() {
        return List.of(MAX);
    }

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        int fd = (int) call.arg(0);
        long request = call.arg(1) & 0xffffffffL; // the kernel takes an unsigned int
        if (request == LOOP_CTL_GET_FREE) {
            if (!isLoopControl(target, fd) || !containerRoot(target)) {
                return Response.continueSyscall();
            }
            int n = loops.assignFree(target, policy.value(MAX).intValue());
            LOG.log(Level.DEBUG, () -> call.containerId() + " " + call.pid() + " lent loop" + n);
            return Response.value(n);
        }
        if (!REQUESTS.contains(request) || !loops.lent(target, fd) || !containerRoot(target)) {
            return Response.continueSyscall(); // not a device of the container's, or not its root: the kernel judges
        }
        if (request == LOOP_CLR_FD) {
            loops.clear(target, fd);
            return Response.value(0);
        }
        if (request == LOOP_CHANGE_FD || request == LOOP_SET_STATUS) {
            return Response.errno(Errno.EINVAL); // an old or odd way: the container uses the others
        }
        if (request == LOOP_SET_STATUS64) {
            loops.setStatus(target, fd, target.read(call.arg(2), LOOP_INFO64_SIZE));
            return Response.value(0);
        }
        if (request == LOOP_SET_FD) {
            loops.configure(target, fd, (int) call.arg(2), null);
            return Response.value(0);
        }
        byte[] config = target.read(call.arg(2), LOOP_CONFIG_SIZE);
        int backing = (config[0] & 0xff) | (config[1] & 0xff) << 8 | (config[2] & 0xff) << 16 | (config[3] & 0xff) << 24;
        loops.configure(target, fd, backing, config);
        return Response.value(0);
    }

    /**
     * @return whether the caller is the container's root (effective uid 0 in the container's user
     *         namespace): who could open a root-owned {@code /dev/loop-control} and {@code /dev/loopN},
     *         which is what the kernel asks of losetup. Any other user of the container, such as uid
     *         1000 as root of a user namespace of its own, gets the kernel's answer.
     */
    private static boolean containerRoot(Target target) throws SyscallException {
        return target.containerUid(target.credentials().euid()) == 0;
    }

    /** @return whether the caller's {@code fd} is a file named {@code loop-control} (its placeholder) */
    private static boolean isLoopControl(Target target, int fd) throws SyscallException {
        try (CallerFd taken = target.takeFd(fd)) {
            java.nio.file.Path path = taken.procPath();
            String name = Files.isSymbolicLink(path) ? Files.readSymbolicLink(path).toString() : path.toString();
            return name.endsWith("/loop-control") && !Files.isDirectory(path);
        } catch (IOException e) {
            return false;
        }
    }
}
