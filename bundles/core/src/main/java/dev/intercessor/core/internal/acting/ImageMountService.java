package dev.intercessor.core.internal.acting;

import org.osgi.service.component.annotations.Component;

import dev.intercessor.api.ImageMount;
import dev.intercessor.api.ImageMounts;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

/** {@link ImageMounts}: loop-device and FUSE mounts made for the caller, as the caller. */
@Component(service = ImageMounts.class)
public class ImageMountService implements ImageMounts {

    @Override
    @SuppressWarnings("deprecation") // the target's implementation, kept there for handlers built against API 1.2
    public void mountImage(Target caller, int dirfd, ImageMount mount) throws SyscallException {
        CallerTargets.of(caller).mountImage(dirfd, mount);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void mountFuse(Target caller, int dirfd, ImageMount mount, String server) throws SyscallException {
        CallerTargets.of(caller).mountFuse(dirfd, mount, server);
    }

    @Override
    public byte[] readSource(Target caller, int dirfd, String source, long offset, int length) throws SyscallException {
        return CallerTargets.of(caller).readSource(dirfd, source, offset, length);
    }
}
