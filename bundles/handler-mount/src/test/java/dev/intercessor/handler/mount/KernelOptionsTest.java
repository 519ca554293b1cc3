package dev.intercessor.handler.mount;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.util.List;

import org.junit.Test;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

public class KernelOptionsTest {

    @Test
    public void extMountsGetRemountReadOnlyOnErrorsWhateverTheSuperblockSays() throws Exception {
        assertEquals(List.of("noload", "errors=remount-ro"), MountHandler.kernelOptions("ext4", List.of("noload")));
        assertEquals(List.of("errors=remount-ro"), MountHandler.kernelOptions("ext2", List.of()));
    }

    @Test
    public void continueAndRemountReadOnlyMayBeAskedFor() throws Exception {
        assertEquals(List.of("errors=continue"), MountHandler.kernelOptions("ext4", List.of("errors=continue")));
        assertEquals(List.of("errors=remount-ro"), MountHandler.kernelOptions("vfat", List.of("errors=remount-ro")));
    }

    @Test
    public void panicIsRefusedForEveryType() {
        for (String type : List.of("ext4", "vfat", "exfat")) {
            try {
                MountHandler.kernelOptions(type, List.of("ro", "errors=panic"));
                fail(type);
            } catch (SyscallException e) {
                assertEquals(Errno.EINVAL, e.errno());
            }
        }
    }

    @Test
    public void otherTypesAreLeftAsAsked() throws Exception {
        assertEquals(List.of("uid=0"), MountHandler.kernelOptions("vfat", List.of("uid=0")));
    }
}
