package dev.intercessor.handler.sysinfo;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.intercessor.api.CgroupDirectory;

/**
 * {@link CgroupMemory#read} against fixture cgroup trees: {@code <tmp>/memory} is the hierarchy,
 * {@code <tmp>/memory/intercessor/abc} the container's cgroup.
 */
public class CgroupMemoryTest {

    /** What cgroup v1 prints for "no limit" with 4 KiB pages. */
    private static final String V1_NO_LIMIT = "9223372036854771712";

    private static final long MIB = 1024L * 1024;
    private static final long GIB = 1024 * MIB;

    /** A cgroup v1 {@code memory.stat} as a 5.x kernel prints it (bytes). */
    private static final String V1_STAT = String.join("\n",
            "cache 110592000",
            "rss 52428800",
            "rss_huge 0",
            "shmem 4096",
            "mapped_file 20480000",
            "dirty 0",
            "writeback 0",
            "swap 0",
            "pgpgin 120000",
            "pgpgout 80000",
            "pgfault 300000",
            "pgmajfault 12",
            "inactive_anon 8192",
            "active_anon 52420608",
            "inactive_file 60000000",
            "active_file 50592000",
            "unevictable 0",
            "hierarchical_memory_limit 536870912",
            "hierarchical_memsw_limit 1073741824",
            "total_cache 110592000",
            "total_rss 52428800",
            "total_rss_huge 0",
            "total_shmem 16777216",
            "total_mapped_file 20480000",
            "total_dirty 0",
            "total_writeback 0",
            "total_swap 0",
            "");

    /** A cgroup v2 {@code memory.stat} as a 6.x kernel prints it (bytes). */
    private static final String V2_STAT = String.join("\n",
            "anon 52428800",
            "file 110592000",
            "kernel 4194304",
            "kernel_stack 327680",
            "pagetables 630784",
            "sec_pagetables 0",
            "percpu 0",
            "sock 0",
            "vmalloc 0",
            "shmem 8388608",
            "zswap 0",
            "zswapped 0",
            "file_mapped 20480000",
            "file_dirty 0",
            "file_writeback 0",
            "swapcached 0",
            "anon_thp 0",
            "file_thp 0",
            "shmem_thp 2097152",
            "inactive_anon 8192",
            "active_anon 52420608",
            "inactive_file 60000000",
            "active_file 50592000",
            "unevictable 0",
            "");

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Path hierarchy;
    private Path parent;
    private Path cgroup;

    @Before
    public void setUp() throws IOException {
        hierarchy = tmp.getRoot().toPath().resolve("memory");
        parent = hierarchy.resolve("intercessor");
        cgroup = parent.resolve("abc");
        Files.createDirectories(cgroup);
    }

    private static void write(Path dir, String file, String content) throws IOException {
        Files.writeString(dir.resolve(file), content + "\n");
    }

    private CgroupMemory read(int version) throws IOException {
        return CgroupMemory.read(new CgroupDirectory(hierarchy, cgroup, version));
    }

    /** The root and the intermediate cgroup of a v1 hierarchy, unlimited, without swap accounting. */
    private void v1Ancestors() throws IOException {
        for (Path d : new Path[] {hierarchy, parent}) {
            write(d, "memory.limit_in_bytes", V1_NO_LIMIT);
            write(d, "memory.usage_in_bytes", String.valueOf(3 * GIB));
        }
    }

    private void v1Memsw(Path d, String limit) throws IOException {
        write(d, "memory.memsw.limit_in_bytes", limit);
    }

    // ---- cgroup v1 -------------------------------------------------------------------------

    @Test
    public void v1LimitOnTheCgroup() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", String.valueOf(512 * MIB));
        write(cgroup, "memory.usage_in_bytes", String.valueOf(200 * MIB));
        write(cgroup, "memory.stat", V1_STAT);

        CgroupMemory m = read(1);
        assertEquals(512 * MIB, m.limit());
        assertEquals(200 * MIB, m.usage());
        assertEquals(-1, m.swapLimit());
        assertEquals(0, m.swapUsage());
        assertEquals(16 * MIB, m.shmem());
    }

    @Test
    public void v1LimitInheritedFromParent() throws IOException {
        v1Ancestors();
        write(parent, "memory.limit_in_bytes", String.valueOf(GIB));
        write(cgroup, "memory.limit_in_bytes", V1_NO_LIMIT);
        write(cgroup, "memory.usage_in_bytes", String.valueOf(100 * MIB));

        CgroupMemory m = read(1);
        assertEquals(GIB, m.limit());
        assertEquals(100 * MIB, m.usage());
    }

    @Test
    public void v1LowestOfCgroupAndAncestorsWins() throws IOException {
        v1Ancestors();
        write(parent, "memory.limit_in_bytes", String.valueOf(256 * MIB));
        write(cgroup, "memory.limit_in_bytes", String.valueOf(GIB));
        write(cgroup, "memory.usage_in_bytes", "0");

        assertEquals(256 * MIB, read(1).limit());
    }

    @Test
    public void v1Unlimited() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", V1_NO_LIMIT);
        write(cgroup, "memory.usage_in_bytes", String.valueOf(42 * MIB));

        CgroupMemory m = read(1);
        assertEquals(CgroupMemory.UNLIMITED, m.limit());
        assertEquals(42 * MIB, m.usage());
        assertEquals(-1, m.swapLimit());
    }

    @Test
    public void v1WithMemswLimited() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", String.valueOf(512 * MIB));
        write(cgroup, "memory.usage_in_bytes", String.valueOf(500 * MIB));
        v1Memsw(hierarchy, V1_NO_LIMIT);
        v1Memsw(parent, V1_NO_LIMIT);
        v1Memsw(cgroup, String.valueOf(GIB));
        write(cgroup, "memory.memsw.usage_in_bytes", String.valueOf(600 * MIB));

        CgroupMemory m = read(1);
        assertEquals(512 * MIB, m.limit());
        assertEquals(512 * MIB, m.swapLimit()); // memsw 1 GiB - memory 512 MiB
        assertEquals(100 * MIB, m.swapUsage()); // memsw usage 600 MiB - usage 500 MiB
    }

    @Test
    public void v1MemswInheritedFromParent() throws IOException {
        v1Ancestors();
        write(parent, "memory.limit_in_bytes", String.valueOf(GIB));
        v1Memsw(hierarchy, V1_NO_LIMIT);
        v1Memsw(parent, String.valueOf(3 * GIB));
        write(cgroup, "memory.limit_in_bytes", V1_NO_LIMIT);
        write(cgroup, "memory.usage_in_bytes", String.valueOf(10 * MIB));
        v1Memsw(cgroup, V1_NO_LIMIT);
        write(cgroup, "memory.memsw.usage_in_bytes", String.valueOf(10 * MIB));

        CgroupMemory m = read(1);
        assertEquals(GIB, m.limit());
        assertEquals(2 * GIB, m.swapLimit());
        assertEquals(0, m.swapUsage());
    }

    @Test
    public void v1MemswEqualToLimitMeansNoSwap() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", String.valueOf(512 * MIB));
        write(cgroup, "memory.usage_in_bytes", String.valueOf(100 * MIB));
        v1Memsw(cgroup, String.valueOf(512 * MIB));
        write(cgroup, "memory.memsw.usage_in_bytes", String.valueOf(100 * MIB));

        CgroupMemory m = read(1);
        assertEquals(0, m.swapLimit());
        assertEquals(0, m.swapUsage());
    }

    @Test
    public void v1MemswUnlimitedIsUnlimitedSwap() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", String.valueOf(512 * MIB));
        write(cgroup, "memory.usage_in_bytes", String.valueOf(100 * MIB));
        v1Memsw(hierarchy, V1_NO_LIMIT);
        v1Memsw(parent, V1_NO_LIMIT);
        v1Memsw(cgroup, V1_NO_LIMIT);
        write(cgroup, "memory.memsw.usage_in_bytes", String.valueOf(130 * MIB));

        CgroupMemory m = read(1);
        assertEquals(CgroupMemory.UNLIMITED, m.swapLimit());
        assertEquals(30 * MIB, m.swapUsage());
    }

    @Test
    public void v1SwapUsageNeverNegative() throws IOException {
        // The two counters are read one after the other: memsw usage may lag behind usage.
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", String.valueOf(512 * MIB));
        write(cgroup, "memory.usage_in_bytes", String.valueOf(200 * MIB));
        v1Memsw(cgroup, String.valueOf(GIB));
        write(cgroup, "memory.memsw.usage_in_bytes", String.valueOf(199 * MIB));

        assertEquals(0, read(1).swapUsage());
    }

    @Test
    public void v1WithoutMemswSwapNotAccounted() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", String.valueOf(512 * MIB));
        write(cgroup, "memory.usage_in_bytes", String.valueOf(100 * MIB));
        // An ancestor's memsw file does not matter: the cgroup's own decides.
        v1Memsw(parent, String.valueOf(GIB));

        CgroupMemory m = read(1);
        assertEquals(-1, m.swapLimit());
        assertEquals(0, m.swapUsage());
    }

    @Test
    public void v1AncestorsAboveTheHierarchyAreIgnored() throws IOException {
        // Files beside the hierarchy's mount point (tmp root) must not count.
        Path above = tmp.getRoot().toPath();
        write(above, "memory.limit_in_bytes", String.valueOf(MIB));
        v1Memsw(above, String.valueOf(2 * MIB));
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", V1_NO_LIMIT);
        write(cgroup, "memory.usage_in_bytes", String.valueOf(100 * MIB));
        v1Memsw(cgroup, V1_NO_LIMIT);
        write(cgroup, "memory.memsw.usage_in_bytes", String.valueOf(100 * MIB));

        CgroupMemory m = read(1);
        assertEquals(CgroupMemory.UNLIMITED, m.limit());
        assertEquals(CgroupMemory.UNLIMITED, m.swapLimit());
    }

    @Test
    public void v1HierarchyRootItselfCounts() throws IOException {
        v1Ancestors();
        write(hierarchy, "memory.limit_in_bytes", String.valueOf(2 * GIB));
        write(cgroup, "memory.limit_in_bytes", V1_NO_LIMIT);
        write(cgroup, "memory.usage_in_bytes", "0");

        assertEquals(2 * GIB, read(1).limit());
    }

    @Test
    public void v1ShmemIsTotalShmemNotShmem() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", V1_NO_LIMIT);
        write(cgroup, "memory.usage_in_bytes", "0");
        write(cgroup, "memory.stat", V1_STAT);

        assertEquals(16777216L, read(1).shmem()); // total_shmem, not the local "shmem 4096"
    }

    @Test
    public void v1ShmemZeroWithoutMemoryStat() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", V1_NO_LIMIT);
        write(cgroup, "memory.usage_in_bytes", "0");

        assertEquals(0, read(1).shmem());
    }

    @Test
    public void v1ShmemZeroWhenKeyAbsent() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", V1_NO_LIMIT);
        write(cgroup, "memory.usage_in_bytes", "0");
        write(cgroup, "memory.stat", "cache 0\nrss 0\nshmem 4096\ntotal_cache 0\ntotal_rss 0");

        assertEquals(0, read(1).shmem());
    }

    @Test
    public void v1MissingUsageFileIsZero() throws IOException {
        v1Ancestors();
        write(cgroup, "memory.limit_in_bytes", String.valueOf(GIB));

        assertEquals(0, read(1).usage());
    }

    /**
     * On a kernel with 64 KiB pages (common on aarch64, e.g. RHEL), v1 prints "no limit" as
     * {@code LONG_MAX / 65536 * 65536} = 9223372036854710272, below the 4 KiB-page value the code
     * recognises.
     */
    @Test
    public void v1NoLimitWith64KiBPages() throws IOException {
        String noLimit64k = String.valueOf(Long.MAX_VALUE / 65536 * 65536); // 9223372036854710272
        for (Path d : new Path[] {hierarchy, parent, cgroup}) {
            write(d, "memory.limit_in_bytes", noLimit64k);
            v1Memsw(d, noLimit64k);
        }
        write(cgroup, "memory.usage_in_bytes", String.valueOf(100 * MIB));
        write(cgroup, "memory.memsw.usage_in_bytes", String.valueOf(100 * MIB));

        CgroupMemory m = read(1);
        assertEquals(CgroupMemory.UNLIMITED, m.limit());
        assertEquals(CgroupMemory.UNLIMITED, m.swapLimit());
    }

    // ---- cgroup v2 -------------------------------------------------------------------------

    /** v2: the root cgroup has no memory.max / memory.swap.max; the intermediate one is "max". */
    private void v2Ancestors(boolean swap) throws IOException {
        write(hierarchy, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc");
        write(parent, "memory.max", "max");
        write(parent, "memory.current", String.valueOf(3 * GIB));
        if (swap) {
            write(parent, "memory.swap.max", "max");
            write(parent, "memory.swap.current", String.valueOf(GIB));
        }
    }

    @Test
    public void v2LimitOnTheCgroup() throws IOException {
        v2Ancestors(true);
        write(cgroup, "memory.max", String.valueOf(512 * MIB));
        write(cgroup, "memory.current", String.valueOf(200 * MIB));
        write(cgroup, "memory.swap.max", "max");
        write(cgroup, "memory.swap.current", String.valueOf(5 * MIB));
        write(cgroup, "memory.stat", V2_STAT);

        CgroupMemory m = read(2);
        assertEquals(512 * MIB, m.limit());
        assertEquals(200 * MIB, m.usage());
        assertEquals(CgroupMemory.UNLIMITED, m.swapLimit());
        assertEquals(5 * MIB, m.swapUsage());
        assertEquals(8 * MIB, m.shmem());
    }

    @Test
    public void v2LimitInheritedFromParent() throws IOException {
        v2Ancestors(true);
        write(parent, "memory.max", String.valueOf(GIB));
        write(cgroup, "memory.max", "max");
        write(cgroup, "memory.current", String.valueOf(100 * MIB));
        write(cgroup, "memory.swap.max", "max");
        write(cgroup, "memory.swap.current", "0");

        CgroupMemory m = read(2);
        assertEquals(GIB, m.limit());
        assertEquals(100 * MIB, m.usage());
    }

    @Test
    public void v2Unlimited() throws IOException {
        v2Ancestors(false);
        write(cgroup, "memory.max", "max");
        write(cgroup, "memory.current", String.valueOf(42 * MIB));

        CgroupMemory m = read(2);
        assertEquals(CgroupMemory.UNLIMITED, m.limit());
        assertEquals(42 * MIB, m.usage());
    }

    @Test
    public void v2SwapLimited() throws IOException {
        v2Ancestors(true);
        write(cgroup, "memory.max", String.valueOf(512 * MIB));
        write(cgroup, "memory.current", String.valueOf(500 * MIB));
        write(cgroup, "memory.swap.max", String.valueOf(256 * MIB));
        write(cgroup, "memory.swap.current", String.valueOf(64 * MIB));

        CgroupMemory m = read(2);
        assertEquals(256 * MIB, m.swapLimit());
        assertEquals(64 * MIB, m.swapUsage());
    }

    @Test
    public void v2SwapLimitInheritedFromParent() throws IOException {
        v2Ancestors(true);
        write(parent, "memory.swap.max", String.valueOf(128 * MIB));
        write(cgroup, "memory.max", "max");
        write(cgroup, "memory.current", "0");
        write(cgroup, "memory.swap.max", "max");
        write(cgroup, "memory.swap.current", "0");

        assertEquals(128 * MIB, read(2).swapLimit());
    }

    @Test
    public void v2SwapZero() throws IOException {
        v2Ancestors(true);
        write(cgroup, "memory.max", String.valueOf(512 * MIB));
        write(cgroup, "memory.current", "0");
        write(cgroup, "memory.swap.max", "0");
        write(cgroup, "memory.swap.current", "0");

        assertEquals(0, read(2).swapLimit());
    }

    @Test
    public void v2WithoutSwapFilesSwapNotAccounted() throws IOException {
        v2Ancestors(false);
        write(cgroup, "memory.max", String.valueOf(512 * MIB));
        write(cgroup, "memory.current", String.valueOf(100 * MIB));

        CgroupMemory m = read(2);
        assertEquals(512 * MIB, m.limit());
        assertEquals(-1, m.swapLimit());
        assertEquals(0, m.swapUsage());
    }

    @Test
    public void v2AncestorsAboveTheHierarchyAreIgnored() throws IOException {
        Path above = tmp.getRoot().toPath();
        write(above, "memory.max", String.valueOf(MIB));
        write(above, "memory.swap.max", "0");
        v2Ancestors(true);
        write(cgroup, "memory.max", "max");
        write(cgroup, "memory.current", String.valueOf(100 * MIB));
        write(cgroup, "memory.swap.max", "max");
        write(cgroup, "memory.swap.current", "0");

        CgroupMemory m = read(2);
        assertEquals(CgroupMemory.UNLIMITED, m.limit());
        assertEquals(CgroupMemory.UNLIMITED, m.swapLimit());
    }

    @Test
    public void siblingDirectoryWithSharedPrefixIsNotAnAncestor() throws IOException {
        // <tmp>/memory is the hierarchy; <tmp>/memory-other/... is not below it.
        Path other = tmp.getRoot().toPath().resolve("memory-other");
        Path otherCgroup = other.resolve("abc");
        Files.createDirectories(otherCgroup);
        write(tmp.getRoot().toPath(), "memory.max", String.valueOf(MIB));
        write(other, "memory.max", String.valueOf(2 * MIB));
        write(otherCgroup, "memory.max", "max");
        write(otherCgroup, "memory.current", "0");

        CgroupMemory m = CgroupMemory.read(new CgroupDirectory(other, otherCgroup, 2));
        assertEquals(2 * MIB, m.limit());
    }

    @Test
    public void v2ShmemIsShmemNotShmemThp() throws IOException {
        v2Ancestors(false);
        write(cgroup, "memory.max", "max");
        write(cgroup, "memory.current", "0");
        write(cgroup, "memory.stat", "anon 0\nfile 0\nshmem_thp 2097152\nshmem 12288\n");

        assertEquals(12288, read(2).shmem());
    }

    @Test
    public void v2ShmemZeroWithoutMemoryStat() throws IOException {
        v2Ancestors(false);
        write(cgroup, "memory.max", "max");
        write(cgroup, "memory.current", "0");

        assertEquals(0, read(2).shmem());
    }

    @Test
    public void v2ShmemZeroWhenKeyAbsent() throws IOException {
        v2Ancestors(false);
        write(cgroup, "memory.max", "max");
        write(cgroup, "memory.current", "0");
        write(cgroup, "memory.stat", "anon 0\nfile 0\nshmem_thp 2097152\n");

        assertEquals(0, read(2).shmem());
    }

    // ---- number() --------------------------------------------------------------------------

    @Test
    public void numberParsesMaxNoLimitAndPlainValues() throws IOException {
        Path f = cgroup.resolve("value");
        Files.writeString(f, "max\n");
        assertEquals(CgroupMemory.UNLIMITED, CgroupMemory.number(f));
        Files.writeString(f, V1_NO_LIMIT + "\n");
        assertEquals(CgroupMemory.UNLIMITED, CgroupMemory.number(f));
        Files.writeString(f, "536870912\n");
        assertEquals(536870912L, CgroupMemory.number(f));
        assertEquals(0, CgroupMemory.number(cgroup.resolve("absent")));
    }
}
