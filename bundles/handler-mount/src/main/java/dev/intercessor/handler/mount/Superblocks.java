package dev.intercessor.handler.mount;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;

/**
 * Where the kernel's driver for a block filesystem type looks for its superblock, and when what
 * it finds there makes it refuse the mount with {@code EINVAL}. The handler asks this for a type
 * it does not mount: a privileged mount(8) without {@code -t} (busybox) tries each type of
 * /proc/filesystems in turn, goes on after the driver's EINVAL, and gives up at the EPERM a user
 * namespace gets; answering EINVAL where the driver would, from bytes read as the caller, lets it
 * reach the type the image is without any driver parsing the image.
 *
 * <p>Only a definite no counts: a source too short to hold the bytes, or a type with no entry,
 * stays the kernel's (EPERM). The rules are the drivers' own first checks (fs/ext4/super.c
 * {@code ext4_load_super} and the ext2/ext3 feature sets; squashfs, xfs, erofs and btrfs magic
 * numbers); {@code SuperblocksKernelIT} holds them against the real kernel's answers.
 */
final class Superblocks {

    /** The bytes a type's driver reads first, and its verdict on them. */
    record Signature(long offset, int length, Verdict refuses) {
    }

    @FunctionalInterface
    interface Verdict {
        /** @return whether the driver refuses a source with these bytes (exactly {@code length} of them) */
        boolean refuses(ByteBuffer bytes, boolean readOnly);
    }

    /** The ext superblock: 1 KiB in; magic at 0x38, feature words at 0x5C (compat), 0x60, 0x64. */
    private static final long EXT_SUPERBLOCK = 1024;
    private static final int EXT_LENGTH = 0x68;
    private static final int EXT_MAGIC = 0xEF53;
    private static final int COMPAT_HAS_JOURNAL = 0x4;
    /** fs/ext4/ext4.h: EXT2_FEATURE_INCOMPAT_SUPP (filetype, meta_bg) and ..._RO_COMPAT_SUPP. */
    private static final int EXT2_INCOMPAT = 0x2 | 0x10;
    /** EXT3_FEATURE_INCOMPAT_SUPP: filetype, recover, meta_bg. */
    private static final int EXT3_INCOMPAT = 0x2 | 0x4 | 0x10;
    /** sparse_super, large_file, btree_dir: the ro-compat features ext2 and ext3 mount writable. */
    private static final int EXT23_RO_COMPAT = 0x1 | 0x2 | 0x4;

    private static final Map<String, Signature> SIGNATURES = Map.of(
            "ext2", new Signature(EXT_SUPERBLOCK, EXT_LENGTH, (b, ro) -> !ext(b)
                    || (b.getInt(0x60) & ~EXT2_INCOMPAT) != 0
                    || !ro && (b.getInt(0x64) & ~EXT23_RO_COMPAT) != 0),
            "ext3", new Signature(EXT_SUPERBLOCK, EXT_LENGTH, (b, ro) -> !ext(b)
                    || (b.getInt(0x60) & ~EXT3_INCOMPAT) != 0
                    || (b.getInt(0x5C) & COMPAT_HAS_JOURNAL) == 0
                    || !ro && (b.getInt(0x64) & ~EXT23_RO_COMPAT) != 0),
            "ext4", new Signature(EXT_SUPERBLOCK, EXT_LENGTH, (b, ro) -> !ext(b)),
            "squashfs", new Signature(0, 4, (b, ro) -> b.getInt(0) != 0x73717368), // "hsqs"
            "xfs", new Signature(0, 4, (b, ro) -> b.order(ByteOrder.BIG_ENDIAN).getInt(0) != 0x58465342), // "XFSB"
            "erofs", new Signature(1024, 4, (b, ro) -> b.getInt(0) != 0xE0F5E1E2),
            "btrfs", new Signature(65536 + 64, 8, (b, ro) -> b.getLong(0) != 0x4D5F53665248425FL)); // "_BHRfS_M"

    private Superblocks() {
    }

    private static boolean ext(ByteBuffer b) {
        return (b.getShort(0x38) & 0xFFFF) == EXT_MAGIC;
    }

    /** @return where {@code fstype}'s driver looks, or empty for a type with no entry here */
    static Optional<Signature> of(String fstype) {
        return Optional.ofNullable(SIGNATURES.get(fstype));
    }

    /**
     * @param bytes what the source holds at the signature's offset (fewer where it ends)
     * @return whether the driver refuses: false for a source too short to tell
     */
    static boolean refuses(Signature signature, byte[] bytes, boolean readOnly) {
        if (bytes.length < signature.length()) {
            return false;
        }
        return signature.refuses().refuses(ByteBuffer.wrap(bytes, 0, signature.length()).slice()
                .order(ByteOrder.LITTLE_ENDIAN), readOnly);
    }
}
