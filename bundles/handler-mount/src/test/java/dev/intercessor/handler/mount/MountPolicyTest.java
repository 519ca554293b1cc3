package dev.intercessor.handler.mount;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Test;

import dev.intercessor.api.Policy;

public class MountPolicyTest {

    private static Policy policy(Map<String, String> values) {
        return new Policy() {
            @Override
            public String containerId() {
                return "c";
            }

            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(values.get(key));
            }

            @Override
            public boolean getBoolean(String key, boolean defaultValue) {
                return values.containsKey(key) ? Boolean.parseBoolean(values.get(key)) : defaultValue;
            }

            @Override
            public List<String> getList(String key) {
                List<String> out = new ArrayList<>();
                if (values.containsKey(key)) {
                    for (String s : values.get(key).split(",")) {
                        if (!s.isBlank()) {
                            out.add(s.trim());
                        }
                    }
                }
                return out;
            }
        };
    }

    @Test
    public void modesPerType() {
        MountPolicy p = MountPolicy.of(policy(Map.of("mount.allowed", "ext4,xfs", "mount.fuse", "ext4=/usr/bin/fuse2fs")));
        assertEquals(MountPolicy.Mode.FUSE, p.decide("ext4").get().mode());
        assertEquals("/usr/bin/fuse2fs", p.decide("ext4").get().fuseServer());
        assertEquals(MountPolicy.Mode.KERNEL, p.decide("xfs").get().mode());
        assertFalse(p.decide("btrfs").isPresent());
        MountPolicy shifted = MountPolicy.of(policy(Map.of("mount.allowed", "ext4", "mount.shift", "true")));
        assertEquals(MountPolicy.Mode.KERNEL_SHIFTED, shifted.decide("ext4").get().mode());
        assertFalse(MountPolicy.of(policy(Map.of())).decide("ext4").isPresent());
    }

    @Test
    public void aFuseServerIsANormalizedAbsolutePathUnderUsr() {
        List<String> bad = List.of("ext4=fuse2fs", "vfat=/tmp/evil", "btrfs=/usr/../tmp/x", "ntfs=/usr//bin/x",
                "f2fs=/usr/./bin/x", "exfat=/usr/bin/", "jfs=/usr/bin/a b", "hfs=", "=/usr/bin/fuse2fs");
        for (String entry : bad) {
            assertNotNull("refused where it is set: " + entry, MountPolicy.FUSE.problem(entry));
        }
        assertNull(MountPolicy.FUSE.problem("xfs=/usr/sbin/xfs-fuse,ext4=/usr/lib/x86_64-linux-gnu/fuse2fs"));
        // And if such an entry got through anyway, it would still serve nothing.
        List<String> entries = new ArrayList<>(bad);
        entries.add("xfs=/usr/sbin/xfs-fuse");
        MountPolicy p = MountPolicy.of(List.of(), false, entries);
        for (String type : List.of("ext4", "vfat", "btrfs", "ntfs", "f2fs", "exfat", "jfs", "hfs")) {
            assertFalse(type, p.decide(type).isPresent());
        }
        assertEquals("/usr/sbin/xfs-fuse", p.decide("xfs").get().fuseServer());
        assertFalse(MountPolicy.isServerPath("/usr"));
        assertFalse(MountPolicy.isServerPath("/usr/bin/.."));
        assertTrue(MountPolicy.isServerPath("/usr/lib/x86_64-linux-gnu/fuse2fs"));
    }

    @Test
    public void flagsSayWhatIsANewMount() {
        assertTrue(new MountFlags(0).newMount());
        assertTrue(new MountFlags(MountFlags.MS_RDONLY | MountFlags.MS_NOEXEC).newMount());
        assertTrue("the old magic is stripped", new MountFlags(0xC0ED0000L | MountFlags.MS_RDONLY).newMount());
        for (long f : new long[] {MountFlags.MS_BIND, MountFlags.MS_BIND | MountFlags.MS_REC, MountFlags.MS_REMOUNT,
            MountFlags.MS_MOVE, MountFlags.MS_PRIVATE, MountFlags.MS_SHARED | MountFlags.MS_REC,
            MountFlags.MS_SLAVE, MountFlags.MS_UNBINDABLE}) {
            assertFalse(Long.toHexString(f), new MountFlags(f).newMount());
        }
        assertEquals(0, new MountFlags(MountFlags.MS_RDONLY | MountFlags.MS_SILENT | MountFlags.MS_RELATIME).unsupported());
        assertEquals(16, new MountFlags(16).unsupported()); // MS_SYNCHRONOUS
        assertTrue(new MountFlags(0xC0ED0001L).readOnly());
    }
}
