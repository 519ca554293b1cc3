package dev.intercessor.api.testing;

import dev.intercessor.api.ImageMount;
import dev.intercessor.api.ImageMounts;
import dev.intercessor.api.SyscallException;
import dev.intercessor.api.Target;

/**
 * An {@link ImageMounts} service that mounts nothing: each request is recorded on the caller's
 * {@link FakeTarget} ({@link FakeTarget#mounts()}) and fails as {@link FakeTarget#failing
 * failing("mountImage" or "mountFuse", errno)} says; a FUSE server that is not a normalized
 * absolute path under {@code /usr/} fails with {@code EINVAL}, as with the core's.
 * {@link #readSource} reads what {@link FakeTarget#mountSource} gave the caller ({@code ENOENT}
 * for anything else), or fails as {@code failing("readSource", errno)} says.
 */
public final class FakeImageMounts implements ImageMounts {

    @Override
    @SuppressWarnings("deprecation") // FakeTarget keeps the record
    public void mountImage(Target caller, int dirfd, ImageMount mount) throws SyscallException {
        FakeScheduling.fake(caller).mountImage(dirfd, mount);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void mountFuse(Target caller, int dirfd, ImageMount mount, String server) throws SyscallException {
        FakeScheduling.fake(caller).mountFuse(dirfd, mount, server);
    }

    @Override
    public byte[] readSource(Target caller, int dirfd, String source, long offset, int length) throws SyscallException {
        return FakeScheduling.fake(caller).readSource(source, offset, length);
    }
}
