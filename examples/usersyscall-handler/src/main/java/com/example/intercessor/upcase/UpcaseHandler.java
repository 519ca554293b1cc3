package com.example.intercessor.upcase;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.Errno;
import dev.intercessor.api.HandlerProperties;
import dev.intercessor.api.Notification;
import dev.intercessor.api.Policy;
import dev.intercessor.api.Response;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.api.Target;

/**
 * A syscall no kernel has, defined here: {@code long upcase(char *buf, size_t len)}, number 1000
 * on x86_64 and aarch64. It upper-cases the ASCII letters of the {@code len} bytes at {@code buf}
 * in place and returns {@code len}. {@code len} must be 1 to {@value #MAX_LENGTH} ({@code EINVAL});
 * a buffer the caller cannot read and write is {@code EFAULT}. Without this handler the kernel
 * answers {@code ENOSYS}, as for any number it does not know.
 *
 * <p>A container reaches it through {@code intercessor run --trap 1000} (or
 * {@code libexec/intercessor-init --trap 1000} as its entry point): OCI runtimes name syscalls,
 * and this one has no name.
 */
@Component
@HandlerProperties(handler = "upcase", syscalls = {"x86_64:1000", "aarch64:1000"}, enabled_default = true)
public class UpcaseHandler implements SyscallHandler {

    /** The syscall's number on both architectures. */
    public static final int NR = 1000;
    /** The largest buffer, so a container cannot make the supervisor copy much. */
    public static final int MAX_LENGTH = 4096;

    @Override
    public Response handle(Notification call, Target target, Policy policy) throws SyscallException {
        long buf = call.arg(0);
        long len = call.arg(1);
        if (len < 1 || len > MAX_LENGTH) {
            return Response.errno(Errno.EINVAL);
        }
        // Read once, change the copy, write it back: the caller's memory is never read twice.
        byte[] bytes = target.read(buf, (int) len); // EFAULT if it cannot be read
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] >= 'a' && bytes[i] <= 'z') {
                bytes[i] -= 'a' - 'A';
            }
        }
        target.write(buf, bytes); // EFAULT if it cannot be written
        return Response.value(len);
    }
}
