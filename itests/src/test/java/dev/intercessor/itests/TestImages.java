package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** The filesystem images the mount tests mount, made on the host in a work directory of their own. */
final class TestImages {

    /** What every image holds: this file, with {@link #HELLO_TEXT}. */
    static final String HELLO = "hello.txt";
    static final String HELLO_TEXT = "from host\n";

    private TestImages() {
    }

    /** @return a new directory {@code <prefix>-<8 hex digits>} under the tests' work directory (not made yet) */
    static Path workDirectory(String prefix) {
        return Path.of(System.getProperty("intercessor.test.work"), prefix + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * Makes each of {@code images} a 16 MiB ext4 filesystem holding {@link #HELLO}, from
     * {@code dir/content}.
     */
    static void ext4(Path dir, Path... images) throws Exception {
        Path content = dir.resolve("content");
        Files.createDirectories(content);
        Files.writeString(content.resolve(HELLO), HELLO_TEXT);
        for (Path image : images) {
            Files.createDirectories(image.getParent());
            run("truncate", "-s", "16M", image.toString());
            run("mkfs.ext4", "-F", "-q", "-d", content.toString(), image.toString());
        }
    }

    /** Runs a command on the host, which must succeed. */
    static void run(String... command) throws Exception {
        Container.Result r = Container.execute(List.of(command));
        assertEquals(r.toString(), 0, r.exit());
    }

    /** @return C for a {@code .modinfo} entry, e.g. {@code name=dummy} */
    static String modinfo(String entry) {
        return "static const char __modinfo_name[] __attribute__((section(\".modinfo\"), used, aligned(1))) = \""
                + entry.replace("\\", "\\\\").replace("\"", "\\\"") + "\";\n";
    }

    /**
     * A kernel module's object as gcc -c makes one: a {@code .modinfo} entry (if any) and a struct
     * module whose name is at offset 24, in {@code .gnu.linkonce.this_module}.
     */
    static void module(Path file, String modinfoEntry, String structName) throws Exception {
        Path c = file.resolveSibling(file.getFileName() + ".c");
        Files.writeString(c, (modinfoEntry == null ? "" : modinfo(modinfoEntry))
                + "struct module { char state_and_list[24]; char name[56]; char rest[1024]; };\n"
                + "struct module __this_module __attribute__((section(\".gnu.linkonce.this_module\"), used)) = "
                + "{ .name = \"" + structName + "\" };\n");
        run("gcc", "-c", "-o", file.toString(), c.toString());
    }
}
