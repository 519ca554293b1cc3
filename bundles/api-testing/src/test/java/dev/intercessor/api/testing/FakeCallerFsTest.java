package dev.intercessor.api.testing;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import dev.intercessor.api.Errno;
import dev.intercessor.api.FileStat;
import dev.intercessor.api.SyscallException;

public class FakeCallerFsTest {

    private final FakeCallerFs fs = new FakeCallerFs();

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static int errno(ThrowingRunnable r) {
        return assertThrows(SyscallException.class, r::run).errno();
    }

    @Test
    public void mknodMakesANodeOnceAndDeviceOpensAnswersAsConfigured() throws Exception {
        fs.mknod("/dev/null", FileStat.S_IFCHR | 0666, 1, 3);
        assertTrue(fs.fileAt("/dev/null").get().isCharDevice());
        assertEquals(Errno.EEXIST, errno(() -> fs.mknod("/dev/null", FileStat.S_IFCHR | 0666, 1, 3)));
        assertThrows(UnsupportedOperationException.class, () -> fs.deviceOpens("/dev/null", 1, 3));
        fs.devicesOpen(false);
        assertFalse(fs.deviceOpens("/dev/null", 1, 3));
        assertEquals(Errno.EINVAL, errno(() -> fs.deviceOpens("/dev/null", 1, 5)));
        assertEquals(Errno.ENOENT, errno(() -> fs.deviceOpens("/dev/zero", 1, 5)));
        assertEquals(6, fs.operations().size());
        assertEquals(2, fs.operations("mknod").size());
    }

    @Test
    public void aFailedUsableNodeMountRemovesTheNode() throws Exception {
        fs.mknod("/dev/null", FileStat.S_IFCHR | 0666, 1, 3);
        fs.mountUsableNode("/dev/null", 1, 3);
        assertTrue(fs.fileAt("/dev/null").isPresent());
        fs.failing("mountUsableNode", Errno.ENOSPC);
        assertEquals(Errno.ENOSPC, errno(() -> fs.mountUsableNode("/dev/null", 1, 3)));
        assertFalse(fs.fileAt("/dev/null").isPresent());
    }

    @Test
    public void setxattrHonoursFileTypeMayModifyAndFlags() throws Exception {
        fs.file("/d", new FileStat(FileStat.S_IFDIR | 0755, 1000, 1000, 0, 0, 0))
                .file("/p", new FileStat(FileStat.S_IFIFO | 0644, 1000, 1000, 0, 0, 0));
        fs.setxattr("/d", true, "trusted.a", new byte[] {'y'}, 0, f -> f.uid() == 1000);
        assertArrayEquals(new byte[] {'y'}, fs.xattr("/d", "trusted.a").get());
        assertEquals(Errno.EEXIST, errno(() -> fs.setxattr("/d", true, "trusted.a", new byte[0], 1, f -> true)));
        assertEquals(Errno.ENODATA, errno(() -> fs.setxattr("/d", true, "trusted.b", new byte[0], 2, f -> true)));
        assertEquals(Errno.EPERM, errno(() -> fs.setxattr("/d", true, "trusted.b", new byte[0], 0, f -> f.uid() == 0)));
        assertEquals(Errno.EPERM, errno(() -> fs.setxattr("/p", true, "trusted.b", new byte[0], 0, f -> true)));
        assertEquals(Errno.ENOENT, errno(() -> fs.setxattr("/q", true, "trusted.b", new byte[0], 0, f -> true)));
        assertFalse(fs.xattr("/d", "trusted.b").isPresent());
        fs.failing("setxattr", Errno.EROFS);
        assertEquals(Errno.EROFS, errno(() -> fs.setxattr("/d", true, "trusted.c", new byte[0], 0, f -> true)));
        assertEquals(7, fs.operations("setxattr").size());
    }
}
