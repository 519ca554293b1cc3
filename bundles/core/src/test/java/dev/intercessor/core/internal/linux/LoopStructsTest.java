package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.File;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * {@link LoopInfo64} and {@link LoopConfig} against {@code include/uapi/linux/loop.h}: each field
 * written through the struct lands at the kernel's offset; and a real bind through them.
 */
public class LoopStructsTest {

    @Test
    public void loopInfo64HasTheKernelsLayout() {
        LoopInfo64 info = LoopInfo64.allocate();
        assertEquals(232, Struct.size(info));
        Pointer raw = Struct.getMemory(info);
        info.device.set(0x0101010101010101L);
        info.inode.set(0x0202020202020202L);
        info.rdevice.set(0x0303030303030303L);
        info.offset.set(0x0404040404040404L);
        info.sizeLimit.set(0x0505050505050505L);
        info.number.set(6);
        info.encryptType.set(7);
        info.encryptKeySize.set(8);
        info.flags.set(9);
        info.fileName[0].set(10);
        info.cryptName[0].set(11);
        info.encryptKey[0].set(12);
        info.init[1].set(13);
        // __u64 lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit: 0, 8, 16, 24, 32
        assertEquals(0x0101010101010101L, raw.getLong(0));
        assertEquals(0x0202020202020202L, raw.getLong(8));
        assertEquals(0x0303030303030303L, raw.getLong(16));
        assertEquals(0x0404040404040404L, raw.getLong(24));
        assertEquals(0x0505050505050505L, raw.getLong(32));
        // __u32 lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags: 40, 44, 48, 52
        assertEquals(6, raw.getInt(40));
        assertEquals(7, raw.getInt(44));
        assertEquals(8, raw.getInt(48));
        assertEquals(9, raw.getInt(52));
        // __u8 lo_file_name[64], lo_crypt_name[64], lo_encrypt_key[32]: 56, 120, 184
        assertEquals(10, raw.getByte(56));
        assertEquals(11, raw.getByte(120));
        assertEquals(12, raw.getByte(184));
        // __u64 lo_init[2]: 216
        assertEquals(13, raw.getLong(224));
    }

    @Test
    public void loopConfigHasTheKernelsLayout() {
        LoopConfig config = LoopConfig.allocate();
        assertEquals(304, Struct.size(config));
        Pointer raw = Struct.getMemory(config);
        config.fd.set(3);
        config.blockSize.set(4096);
        config.info.flags.set(5);
        config.reserved[0].set(6);
        // __u32 fd, block_size; struct loop_info64 info; __u64 __reserved[8]: 0, 4, 8, 240
        assertEquals(3, raw.getInt(0));
        assertEquals(4096, raw.getInt(4));
        assertEquals(5, raw.getInt(8 + 52));
        assertEquals(6, raw.getLong(240));
    }

    @Test
    public void aCallersConfigKeepsItsFieldsButNotItsReservedWords() {
        byte[] callers = new byte[LoopConfig.SIZE];
        java.util.Arrays.fill(callers, (byte) 0xff);
        LoopConfig config = LoopConfig.of(callers);
        assertEquals(0xffffffffL, config.info.flags.get());
        for (Struct.Unsigned64 word : config.reserved) {
            assertEquals(0, word.get());
        }
    }

    /** A real LOOP_CONFIGURE through {@link LoopConfig}, read back by LOOP_GET_STATUS64 (root). */
    @Test
    public void aDeviceConfiguredThroughTheStructsIsBoundWithTheFlagsAsked() throws Exception {
        assumeTrue("needs root and /dev/loop-control", new File("/dev/loop-control").canWrite());
        Path image = Files.createTempFile("loop-structs", ".img");
        int loop = -1;
        int backing = -1;
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(1 << 20);
        }
        try {
            int control = LoopDevice.openControl();
            try {
                for (int attempt = 0; loop < 0 && attempt < 10; attempt++) {
                    loop = LoopDevice.openExclusive(LoopDevice.firstFree(control));
                }
            } finally {
                Linux.close(control);
            }
            assumeTrue("no free loop device", loop >= 0);
            assertFalse(LoopDevice.isBound(loop));
            backing = Linux.openat(Linux.AT_FDCWD, image.toString(), Linux.O_RDONLY);
            LoopConfig config = LoopConfig.allocate();
            config.fd.set(backing);
            config.info.flags.set(Linux.LO_FLAGS_READ_ONLY | Linux.LO_FLAGS_AUTOCLEAR);
            LoopDevice.configure(loop, config);
            assertTrue(LoopDevice.isBound(loop));
            LoopInfo64 status = LoopInfo64.allocate();
            Linux.ioctl(loop, 0x4C05, Struct.getMemory(status)); // LOOP_GET_STATUS64
            assertEquals(Linux.LO_FLAGS_READ_ONLY | Linux.LO_FLAGS_AUTOCLEAR,
                    status.flags.intValue() & (Linux.LO_FLAGS_READ_ONLY | Linux.LO_FLAGS_AUTOCLEAR));
            assertEquals(Statx.stat(loop, Linux.allocate(Statx.SIZE)).minor(), status.number.intValue());
        } finally {
            if (loop >= 0) {
                LoopDevice.clear(loop);
            }
            Linux.close(loop);
            Linux.close(backing);
            Files.delete(image);
        }
    }
}
