package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;

import org.junit.Test;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

/** The path and device-number arithmetic of the caller's file operations (no system call). */
public class CallerFilesTest {

    private static byte[] c(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    public void makedevPacksAsGlibcDoes() {
        assertEquals(0x0103L, CallerFiles.makedev(1, 3)); // /dev/null
        assertEquals(0x0700L | 0x05L, CallerFiles.makedev(7, 5)); // loop5
        // major above 12 bits and minor above 8: new_encode_dev's split
        assertEquals((0x1000L << 32) | (0x234L << 8) | (0x1200L << 12) | 0x34L,
                CallerFiles.makedev(0x1234, 0x1234));
        assertEquals((0xfffff000L << 32) | (0xfffL << 8) | (0xffffff00L << 12) | 0xffL,
                CallerFiles.makedev(-1, -1)); // unsigned, never sign-extended
    }

    @Test
    public void leafIsTheLastComponentAsACString() {
        byte[] path = "/dev/net/tun".getBytes(StandardCharsets.UTF_8);
        int slash = CallerFiles.lastSlash(path);
        assertEquals(8, slash);
        assertArrayEquals(c("tun"), CallerFiles.leaf(path, slash));
    }

    @Test
    public void aRelativeNameHasNoSlashAndIsItsOwnLeaf() {
        byte[] path = "null".getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, CallerFiles.lastSlash(path));
        assertArrayEquals(c("null"), CallerFiles.leaf(path, -1));
    }

    @Test
    public void anEmptyPathIsENOENT() {
        try {
            CallerFiles.bytes("");
            fail();
        } catch (SyscallException e) {
            assertEquals(Errno.ENOENT, e.errno());
        }
    }
}
