package dev.intercessor.api;

import java.util.List;

/**
 * A new filesystem on an image file, for {@link Target#mountImage}: the kernel mounts it from a
 * loop device over the image, at a directory, both named as the caller named them.
 *
 * @param source    the image file, as the caller named it (relative: to the dirfd given)
 * @param target    the directory to mount on, likewise
 * @param fstype    the filesystem type, e.g. {@code ext4}
 * @param readOnly  mount and loop device read-only (the image is then opened read-only too)
 * @param noExec    {@code MOUNT_ATTR_NOEXEC}
 * @param noAtime   {@code MOUNT_ATTR_NOATIME}
 * @param options   the data string's options, one each ({@code key} or {@code key=value})
 * @param idmapped  an idmapped mount with the caller's user namespace: ids on the image are the
 *                  container's ids (uid 0 on the image is the container's root)
 */
public record ImageMount(String source, String target, String fstype, boolean readOnly, boolean noExec,
        boolean noAtime, List<String> options, boolean idmapped) {

    public ImageMount {
        options = List.copyOf(options);
    }
}
