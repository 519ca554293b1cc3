package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.Test;

import dev.intercessor.api.CgroupDirectory;

/**
 * Pure parsing only: never calls {@link CgroupMounts#ofHost()}, and must not load {@code Linux},
 * {@code Seccomp}, {@code CallerIdentity} or {@code ProcTarget}, whose static initialisers load
 * native code.
 */
public class CgroupMountsTest {

    /**
     * {@code /proc/self/mountinfo} of a hybrid (systemd "unified" hierarchy + v1 controllers)
     * Ubuntu 20.04 host, with a bind mount of a sub-cgroup (root not "/") listed first.
     */
    private static final String HYBRID = String.join("\n",
            "24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
            "25 30 0:23 / /proc rw,nosuid,nodev,noexec,relatime shared:14 - proc proc rw",
            "26 30 0:5 / /dev rw,nosuid,noexec,relatime shared:2 - devtmpfs udev rw,size=8120856k,nr_inodes=2030214,mode=755",
            "30 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw",
            "900 30 0:33 /intercessor/other /var/lib/intercessor/other/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory",
            "33 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
            "34 33 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate",
            "35 33 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd",
            "38 33 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct",
            "39 33 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory",
            "40 33 0:34 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids",
            "41 33 0:35 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,freezer",
            "42 33 0:36 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,net_cls,net_prio",
            "50 30 0:45 / /run/user/1000 rw,nosuid,nodev,relatime shared:300 - tmpfs tmpfs rw,size=1626264k,mode=700,uid=1000,gid=1000",
            "");

    /** {@code /proc/<pid>/cgroup} of a process in the hybrid host's container cgroup. */
    private static final String HYBRID_PROC = String.join("\n",
            "12:memory:/intercessor/abc",
            "11:pids:/intercessor/abc",
            "6:freezer:/intercessor/abc",
            "5:net_cls,net_prio:/intercessor/abc",
            "3:cpu,cpuacct:/intercessor/abc",
            "1:name=systemd:/intercessor/abc",
            "0::/intercessor/abc",
            "");

    /** {@code /proc/self/mountinfo} of a pure cgroup v2 (Ubuntu 22.04, Fedora) host. */
    private static final String V2 = String.join("\n",
            "22 29 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
            "23 29 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw",
            "29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro",
            "26 22 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot",
            "");

    private static final String V2_PROC = "0::/intercessor/abc\n";

    private static final List<String> V2_CONTROLLERS = List.of("cpuset", "cpu", "io", "memory", "hugetlb",
            "pids", "rdma", "misc");

    private static CgroupDirectory dir(String hierarchy, String path, int version) {
        return new CgroupDirectory(Path.of(hierarchy), Path.of(path), version);
    }

    // ---- hybrid host -----------------------------------------------------------------------

    @Test
    public void v1Controller() {
        assertEquals(Optional.of(dir("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/intercessor/abc", 1)),
                new CgroupMounts(HYBRID).locate("memory", HYBRID_PROC));
        assertEquals(Optional.of(dir("/sys/fs/cgroup/pids", "/sys/fs/cgroup/pids/intercessor/abc", 1)),
                new CgroupMounts(HYBRID).locate("pids", HYBRID_PROC));
    }

    @Test
    public void combinedController() {
        CgroupMounts m = new CgroupMounts(HYBRID);
        CgroupDirectory expected = dir("/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/intercessor/abc", 1);
        assertEquals(Optional.of(expected), m.locate("cpuacct", HYBRID_PROC));
        assertEquals(Optional.of(expected), m.locate("cpu", HYBRID_PROC));
        assertEquals(Optional.of(dir("/sys/fs/cgroup/net_cls,net_prio",
                "/sys/fs/cgroup/net_cls,net_prio/intercessor/abc", 1)), m.locate("net_prio", HYBRID_PROC));
    }

    @Test
    public void namedHierarchy() {
        assertEquals(Optional.of(dir("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd/intercessor/abc", 1)),
                new CgroupMounts(HYBRID).locate("name=systemd", HYBRID_PROC));
    }

    @Test
    public void unifiedHierarchyForEmptyController() {
        assertEquals(Optional.of(dir("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/intercessor/abc", 2)),
                new CgroupMounts(HYBRID).locate("", HYBRID_PROC));
    }

    @Test
    public void controllerMissingFromV1OfferedByV2() {
        CgroupMounts m = new CgroupMounts(HYBRID).withV2Controllers(List.of("io", "misc"));
        assertEquals(Optional.of(dir("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/intercessor/abc", 2)),
                m.locate("io", HYBRID_PROC));
    }

    @Test
    public void v1WinsOverV2ForTheSameController() {
        CgroupMounts m = new CgroupMounts(HYBRID).withV2Controllers(List.of("memory"));
        assertEquals(Optional.of(dir("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/intercessor/abc", 1)),
                m.locate("memory", HYBRID_PROC));
    }

    @Test
    public void controllerNowhere() {
        CgroupMounts m = new CgroupMounts(HYBRID);
        assertEquals(Optional.empty(), m.locate("hugetlb", HYBRID_PROC));
        assertEquals(Optional.empty(), m.locate("io", HYBRID_PROC)); // v2 offers no controllers here
    }

    @Test
    public void controllerMountedButProcessNotInIt() {
        // memory is mounted, but this process's /proc/<pid>/cgroup has no memory line and no v2 line.
        assertEquals(Optional.empty(), new CgroupMounts(HYBRID).locate("memory", "11:pids:/intercessor/abc\n"));
    }

    @Test
    public void mountsWhoseRootIsNotSlashAreIgnored() {
        // The bind of /intercessor/other at /var/lib/... comes first but is not the hierarchy.
        assertEquals(Optional.of(dir("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/intercessor/abc", 1)),
                new CgroupMounts(HYBRID).locate("memory", HYBRID_PROC));

        String onlyBinds = String.join("\n",
                "900 30 0:33 /intercessor/other /var/lib/x/memory rw,relatime shared:16 - cgroup cgroup rw,memory",
                "901 30 0:27 /intercessor/other /var/lib/x/unified rw,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate");
        CgroupMounts m = new CgroupMounts(onlyBinds);
        assertEquals(Optional.empty(), m.locate("memory", HYBRID_PROC));
        assertEquals(Optional.empty(), m.locate("", HYBRID_PROC));
    }

    @Test
    public void everyHierarchyOfAProcess() {
        assertEquals(List.of(
                dir("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/intercessor/abc", 1),
                dir("/sys/fs/cgroup/pids", "/sys/fs/cgroup/pids/intercessor/abc", 1),
                dir("/sys/fs/cgroup/freezer", "/sys/fs/cgroup/freezer/intercessor/abc", 1),
                dir("/sys/fs/cgroup/net_cls,net_prio", "/sys/fs/cgroup/net_cls,net_prio/intercessor/abc", 1),
                dir("/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/intercessor/abc", 1),
                dir("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd/intercessor/abc", 1),
                dir("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/intercessor/abc", 2)),
                new CgroupMounts(HYBRID).all(HYBRID_PROC));
        assertEquals(List.of(dir("/sys/fs/cgroup", "/sys/fs/cgroup/intercessor/abc", 2)),
                new CgroupMounts(V2).all(V2_PROC));
    }

    @Test
    public void everyHierarchyMustBeMountedOnTheHost() {
        try {
            new CgroupMounts(HYBRID).all(HYBRID_PROC + "13:hugetlb:/intercessor/abc\n");
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException expected) {
            // ok
        }
        try {
            new CgroupMounts(HYBRID).all("12:memory:/../../etc\n");
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException expected) {
            // ok
        }
    }

    @Test
    public void pathWithDotDotEscapingHierarchyRejected() {
        CgroupMounts m = new CgroupMounts(HYBRID);
        try {
            m.locate("memory", "12:memory:/../../../etc\n0::/intercessor/abc\n");
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException expected) {
            // ok
        }
        try {
            m.locate("", "0::/intercessor/../..\n");
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException expected) {
            // ok
        }
    }

    @Test
    public void pathWithDotDotInsideHierarchyNormalised() {
        assertEquals(Optional.of(dir("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/intercessor/xyz", 1)),
                new CgroupMounts(HYBRID).locate("memory", "12:memory:/intercessor/abc/../xyz\n"));
    }

    @Test
    public void rootCgroupIsTheHierarchy() {
        assertEquals(Optional.of(dir("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory", 1)),
                new CgroupMounts(HYBRID).locate("memory", "12:memory:/\n0::/\n"));
        assertEquals(Optional.of(dir("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified", 2)),
                new CgroupMounts(HYBRID).locate("", "12:memory:/\n0::/\n"));
    }

    @Test
    public void octalEscapesInMountPoints() {
        String mountinfo = String.join("\n",
                "39 33 0:33 / /sys/fs/cgroup/my\\040memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory",
                "34 33 0:27 / /run/cg\\134v2\\011x rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate");
        CgroupMounts m = new CgroupMounts(mountinfo);
        assertEquals(Optional.of(dir("/sys/fs/cgroup/my memory", "/sys/fs/cgroup/my memory/intercessor/abc", 1)),
                m.locate("memory", HYBRID_PROC));
        assertEquals(Optional.of(dir("/run/cg\\v2\tx", "/run/cg\\v2\tx/intercessor/abc", 2)),
                m.locate("", HYBRID_PROC));
    }

    @Test
    public void octalEscapeAtEndOfMountPoint() {
        String mountinfo = "39 33 0:33 / /mnt/memory\\040 rw,relatime - cgroup cgroup rw,memory\n";
        assertEquals(Optional.of(dir("/mnt/memory ", "/mnt/memory /intercessor/abc", 1)),
                new CgroupMounts(mountinfo).locate("memory", HYBRID_PROC));
    }

    @Test
    public void mountinfoWithoutOptionalFields() {
        // Inside a container, mounts are often private: no "shared:N" before the separator.
        String mountinfo = "1200 1100 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory\n";
        assertEquals(Optional.of(dir("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/intercessor/abc", 1)),
                new CgroupMounts(mountinfo).locate("memory", HYBRID_PROC));
    }

    @Test
    public void malformedLinesIgnored() {
        String mountinfo = "garbage\n\n39 33 0:33 / - cgroup\n" + HYBRID;
        assertEquals(Optional.of(dir("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/intercessor/abc", 1)),
                new CgroupMounts(mountinfo).locate("memory", "junk\n" + HYBRID_PROC));
    }

    // ---- pure v2 host ----------------------------------------------------------------------

    @Test
    public void v2EmptyController() {
        assertEquals(Optional.of(dir("/sys/fs/cgroup", "/sys/fs/cgroup/intercessor/abc", 2)),
                new CgroupMounts(V2).locate("", V2_PROC));
    }

    @Test
    public void v2OfferedController() {
        CgroupMounts m = new CgroupMounts(V2).withV2Controllers(V2_CONTROLLERS);
        assertEquals(Optional.of(dir("/sys/fs/cgroup", "/sys/fs/cgroup/intercessor/abc", 2)),
                m.locate("memory", V2_PROC));
        assertEquals(Optional.of(dir("/sys/fs/cgroup", "/sys/fs/cgroup/intercessor/abc", 2)),
                m.locate("pids", V2_PROC));
    }

    @Test
    public void v2ControllerNotOffered() {
        CgroupMounts m = new CgroupMounts(V2).withV2Controllers(V2_CONTROLLERS);
        assertEquals(Optional.empty(), m.locate("cpuacct", V2_PROC));
        assertEquals(Optional.empty(), new CgroupMounts(V2).locate("memory", V2_PROC)); // none offered
    }

    @Test
    public void noCgroup2MountNoUnifiedDirectory() {
        String v1Only = HYBRID.lines().filter(l -> !l.contains("cgroup2")).reduce("", (a, b) -> a + b + "\n");
        CgroupMounts m = new CgroupMounts(v1Only);
        assertEquals(Optional.empty(), m.locate("", HYBRID_PROC));
        assertFalse(m.locate("memory", HYBRID_PROC).isEmpty());
    }

    @Test
    public void withV2ControllersCopiesTheList() {
        List<String> controllers = new java.util.ArrayList<>(List.of("memory"));
        CgroupMounts m = new CgroupMounts(V2).withV2Controllers(controllers);
        controllers.clear();
        assertFalse(m.locate("memory", V2_PROC).isEmpty());
    }
}
