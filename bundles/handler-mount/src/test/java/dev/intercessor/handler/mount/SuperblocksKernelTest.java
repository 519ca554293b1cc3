package dev.intercessor.handler.mount;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@link Superblocks} against the real kernel: for images mke2fs makes and an empty one, each type
 * with a signature that this kernel has, writable and read-only, the host's privileged mount
 * (busybox's, which prints the errno's text) fails with "Invalid argument" exactly where
 * {@link Superblocks} says the driver refuses, and mounts where it says it would not. Needs root,
 * loop devices, mke2fs and busybox (all in .ci/install-packages); skipped, saying which, without.
 */
public class SuperblocksKernelTest {

    private static Path dir;
    private static final Map<String, Path> IMAGES = new LinkedHashMap<>();

    @BeforeClass
    public static void images() throws Exception {
        assumeTrue("needs root (loop devices, mount)", "root".equals(System.getProperty("user.name")));
        assumeTrue("needs /usr/sbin/mke2fs (e2fsprogs)", Files.isExecutable(Path.of("/usr/sbin/mke2fs")));
        assumeTrue("needs /bin/busybox (busybox-static)", Files.isExecutable(Path.of("/bin/busybox")));
        assumeTrue("needs /dev/loop-control", Files.exists(Path.of("/dev/loop-control")));
        dir = Files.createTempDirectory("superblocks");
        IMAGES.put("ext4", mkfs("ext4"));
        IMAGES.put("ext4 without journal", mkfs("ext4", "-O", "^has_journal"));
        IMAGES.put("ext3", mkfs("ext3"));
        IMAGES.put("ext2", mkfs("ext2"));
        IMAGES.put("ext2 with huge_file", mkfs("ext2", "-O", "huge_file"));
        Path empty = dir.resolve("empty.img");
        Files.write(empty, new byte[8 << 20]);
        IMAGES.put("empty", empty);
        Files.createDirectory(dir.resolve("mnt"));
    }

    @AfterClass
    public static void removeImages() throws Exception {
        if (dir != null) {
            run("umount", dir.resolve("mnt").toString()); // only if a failed assertion left it
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Path mkfs(String type, String... options) throws Exception {
        Path image = dir.resolve(type + IMAGES.size() + ".img");
        List<String> command = new ArrayList<>(List.of("/usr/sbin/mke2fs", "-q", "-F", "-t", type));
        command.addAll(List.of(options));
        command.addAll(List.of(image.toString(), "8M"));
        String out = run(command.toArray(String[]::new));
        assertTrue(out, Files.size(image) > 0);
        return image;
    }

    /** @return the command's output; its exit status is the caller's to judge from it */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        return p.waitFor() == 0 ? out : "exit " + p.exitValue() + ": " + out;
    }

    /**
     * Mounts {@code loop} as {@code type} and unmounts it again, in a mount namespace of its own:
     * a namespace another process clones from the host's meanwhile (any container starting)
     * would otherwise keep the mount, and the device busy for the next type.
     *
     * @return mount's output, "exit N: …" if it failed
     */
    private static String mountAndUnmount(String type, String loop, boolean readOnly)
            throws IOException, InterruptedException {
        String mnt = dir.resolve("mnt").toString();
        return run("unshare", "--mount", "--propagation", "private", "/bin/busybox", "sh", "-c",
                "/bin/busybox mount " + (readOnly ? "-r " : "") + "-t " + type + " " + loop + " " + mnt
                        + " || exit $?; /bin/busybox umount " + mnt + " || { echo 'umount failed'; exit 99; }");
    }

    private static boolean registered(String type) throws IOException {
        return Files.readAllLines(Path.of("/proc/filesystems")).stream()
                .anyMatch(line -> line.substring(line.indexOf('\t') + 1).equals(type));
    }

    @Test
    public void theDriversRefuseExactlyWhereTheSignaturesSay() throws Exception {
        List<String> types = new ArrayList<>();
        for (String type : List.of("ext2", "ext3", "ext4", "squashfs", "xfs", "erofs", "btrfs")) {
            if (registered(type)) {
                types.add(type);
            }
        }
        assumeTrue("this kernel has none of the types with a signature", !types.isEmpty());
        List<String> disagreements = new ArrayList<>();
        int compared = 0;
        for (Map.Entry<String, Path> image : IMAGES.entrySet()) {
            for (boolean readOnly : new boolean[] {false, true}) {
                String loop = run("losetup", "-f", "--show", readOnly ? "-r" : "--nooverlap", image.getValue().toString());
                assertTrue(loop, loop.startsWith("/dev/loop"));
                try {
                    for (String type : types) {
                        Superblocks.Signature signature = Superblocks.of(type).orElseThrow();
                        byte[] bytes = read(image.getValue(), signature);
                        boolean refuses = Superblocks.refuses(signature, bytes, readOnly);
                        String mounted = mountAndUnmount(type, loop, readOnly);
                        boolean kernelRefuses = mounted.endsWith("Invalid argument");
                        boolean kernelMounts = !mounted.startsWith("exit ");
                        if (refuses != kernelRefuses || !refuses && !kernelMounts) {
                            disagreements.add(type + " on " + image.getKey() + (readOnly ? " (ro)" : " (rw)")
                                    + ": signature " + (refuses ? "refuses" : "accepts") + ", kernel: "
                                    + (mounted.isEmpty() ? "mounted" : mounted));
                        }
                        compared++;
                    }
                } finally {
                    run("losetup", "-d", loop);
                }
            }
        }
        assertEquals(String.join("\n", disagreements), List.of(), disagreements);
        assertEquals(IMAGES.size() * 2 * types.size(), compared);
    }

    private static byte[] read(Path image, Superblocks.Signature signature) throws IOException {
        byte[] all = Files.readAllBytes(image);
        int from = (int) Math.min(all.length, signature.offset());
        return java.util.Arrays.copyOfRange(all, from, Math.min(all.length, from + signature.length()));
    }

    @Test
    public void aTypeWithoutSignatureIsNotJudged() {
        assertEquals(Optional.empty(), Superblocks.of("vfat"));
        assertEquals(Optional.empty(), Superblocks.of("tmpfs"));
    }
}
