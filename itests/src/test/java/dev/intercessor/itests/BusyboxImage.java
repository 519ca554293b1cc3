package dev.intercessor.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The busybox root filesystem every test container runs ({@code bin/intercessor rootfs}), as a
 * container image for the engines. Its one layer holds the files as the image's root's (0:0): an
 * engine shifts them into the container's user namespace itself.
 */
final class BusyboxImage {

    static final String NAME = "localhost/intercessor-busybox:itest";

    private BusyboxImage() {
    }

    /** @return the distribution's {@code var/rootfs}, built or brought up to date first */
    static Path rootfs() throws IOException, InterruptedException {
        Container.Result r = Container.execute(List.of(Container.HOME.resolve("bin/intercessor").toString(), "rootfs"));
        if (r.exit() != 0) {
            throw new IOException("bin/intercessor rootfs failed: " + r);
        }
        return Container.HOME.resolve("var/rootfs");
    }

    /** Writes the root filesystem as a tar whose files belong to 0:0 (what {@code podman import} takes). */
    static Path layer(Path dir) throws IOException, InterruptedException {
        Path tar = dir.resolve("busybox-layer.tar");
        Container.Result r = Container.execute(List.of("tar", "--numeric-owner", "--owner=0", "--group=0",
                "-C", rootfs().toString(), "-cf", tar.toString(), "."));
        if (r.exit() != 0) {
            throw new IOException("tar of the rootfs failed: " + r);
        }
        return tar;
    }

    /**
     * Writes an OCI image layout archive of {@link #NAME}: the layer, a config with a {@code PATH},
     * a manifest and the index that names it (what {@code ctr image import} takes).
     */
    static Path ociArchive(Path dir) throws IOException, InterruptedException {
        Path layout = dir.resolve("busybox-oci");
        Path blobs = layout.resolve("blobs").resolve("sha256");
        Files.createDirectories(blobs);
        byte[] layer = Files.readAllBytes(layer(dir));
        String layerDigest = blob(blobs, layer);
        byte[] config = ("{\"architecture\":\"" + goArch() + "\",\"os\":\"linux\","
                + "\"config\":{\"Env\":[\"PATH=/bin:/sbin:/usr/bin:/usr/sbin\"],\"Cmd\":[\"sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(blobs, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layerDigest
                + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = blob(blobs, manifest);
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":"
                + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + NAME + "\"}}]}");
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Path archive = dir.resolve("busybox-oci.tar");
        Container.Result r = Container.execute(List.of("tar", "-C", layout.toString(), "-cf", archive.toString(),
                "oci-layout", "index.json", "blobs"));
        if (r.exit() != 0) {
            throw new IOException("tar of the image layout failed: " + r);
        }
        return archive;
    }

    /** Stores {@code content} under its digest; @return {@code sha256:<hex>} */
    private static String blob(Path blobs, byte[] content) throws IOException {
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            Files.write(blobs.resolve(hex), content);
            return "sha256:" + hex;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The image platform's name for this machine's architecture (as Go names it). */
    private static String goArch() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }
}
