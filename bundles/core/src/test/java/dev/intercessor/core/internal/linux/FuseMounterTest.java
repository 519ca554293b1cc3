package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.Test;

import dev.intercessor.api.ImageMount;

/** What the FUSE helper is given: which servers it runs, and its ATTRS word. */
public class FuseMounterTest {

    private static ImageMount mount(boolean readOnly, boolean noExec, boolean noAtime) {
        return new ImageMount("/img", "/mnt", "ext4", readOnly, noExec, noAtime, List.of(), false);
    }

    @Test
    public void aServerIsANormalizedPathUnderUsr() {
        assertTrue(FuseMounter.isFuseServerPath("/usr/bin/fuse2fs"));
        assertTrue(FuseMounter.isFuseServerPath("/usr/local/bin/squashfuse_ll"));
        assertFalse(FuseMounter.isFuseServerPath("/bin/fuse2fs"));
        assertFalse(FuseMounter.isFuseServerPath("/usr/../bin/sh"));
        assertFalse(FuseMounter.isFuseServerPath("/usr/bin/./fuse2fs"));
        assertFalse(FuseMounter.isFuseServerPath("/usr//bin/fuse2fs"));
        assertFalse(FuseMounter.isFuseServerPath("/usr/bin/fuse2fs "));
        assertFalse(FuseMounter.isFuseServerPath("/usr/" + "a".repeat(200)));
    }

    @Test
    public void attributesSayReadWriteOrTheOptionsAsked() {
        assertEquals("rw", FuseMounter.attributes(mount(false, false, false)));
        assertEquals("ro", FuseMounter.attributes(mount(true, false, false)));
        assertEquals("ro,noexec,noatime", FuseMounter.attributes(mount(true, true, true)));
        assertEquals("rw,noatime", FuseMounter.attributes(mount(false, false, true)));
    }
}
