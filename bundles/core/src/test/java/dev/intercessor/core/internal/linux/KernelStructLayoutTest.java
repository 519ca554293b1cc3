package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

import jnr.ffi.Struct;

/**
 * The jnr descriptions of the kernel structs the caller-side code passes, held against the
 * kernel's UAPI headers (sizes and offsets as given there; the same on x86_64 and aarch64).
 */
public class KernelStructLayoutTest {

    /** include/uapi/linux/openat2.h: struct open_how {__u64 flags, mode, resolve}; OPEN_HOW_SIZE_VER0 24. */
    @Test
    public void openHowIsThreeU64s() {
        OpenHow how = new OpenHow();
        assertEquals(24, Struct.size(how));
        assertEquals(0, how.flags.offset());
        assertEquals(8, how.mode.offset());
        assertEquals(16, how.resolve.offset());
    }

    /** include/uapi/linux/stat.h: struct statx is 256 bytes; mode at 28, size at 40, rdev at 128/132. */
    @Test
    public void statxFieldsSitWhereTheKernelWritesThem() {
        Statx.Layout stx = new Statx.Layout();
        assertEquals(Statx.SIZE, Struct.size(stx));
        assertEquals(0, stx.mask.offset());
        assertEquals(16, stx.nlink.offset());
        assertEquals(20, stx.uid.offset());
        assertEquals(24, stx.gid.offset());
        assertEquals(28, stx.mode.offset());
        assertEquals(32, stx.ino.offset());
        assertEquals(40, stx.size.offset());
        assertEquals(128, stx.rdevMajor.offset());
        assertEquals(132, stx.rdevMinor.offset());
        assertEquals(136, stx.devMajor.offset());
        assertEquals(140, stx.devMinor.offset());
    }

    /**
     * include/uapi/linux/capability.h: __user_cap_header_struct {__u32 version; int pid} and, for
     * _LINUX_CAPABILITY_VERSION_3, two __user_cap_data_struct {__u32 effective, permitted, inheritable}.
     */
    @Test
    public void capabilityHeaderAndTwoDataStructs() {
        CapabilitySets.Header header = new CapabilitySets.Header();
        assertEquals(8, Struct.size(header));
        assertEquals(4, header.pid.offset());
        CapabilitySets.Data data = new CapabilitySets.Data();
        assertEquals(24, Struct.size(data));
        assertEquals(0, data.effectiveLow.offset());
        assertEquals(4, data.permittedLow.offset());
        assertEquals(8, data.inheritableLow.offset());
        assertEquals(12, data.effectiveHigh.offset());
        assertEquals(16, data.permittedHigh.offset());
        assertEquals(20, data.inheritableHigh.offset());
        assertEquals(0x20080522, CapabilitySets.VERSION_3);
    }

    /** include/uapi/linux/mount.h: struct mount_attr {__u64 attr_set, attr_clr, propagation, userns_fd}. */
    @Test
    public void mountAttrIsVersionZero() {
        MountCalls.MountAttr attr = new MountCalls.MountAttr();
        assertEquals(32, Struct.size(attr)); // MOUNT_ATTR_SIZE_VER0
        assertEquals(0, attr.attrSet.offset());
        assertEquals(24, attr.usernsFd.offset());
    }

    /** include/uapi/linux/fs.h (6.11): struct procmap_query is 104 bytes; vma_end at 32. */
    @Test
    public void procmapQueryMatchesItsIoctlNumber() {
        ProcmapQuery query = new ProcmapQuery(Linux.allocate(ProcmapQuery.SIZE));
        assertEquals(104, Struct.size(query));
        assertEquals(0, query.size.offset());
        assertEquals(8, query.queryFlags.offset());
        assertEquals(16, query.queryAddr.offset());
        assertEquals(24, query.vmaStart.offset());
        assertEquals(32, query.vmaEnd.offset());
        assertEquals(ProcmapQuery.SIZE, ProcTarget.PROCMAP_QUERY_SIZE);
    }

    /** include/uapi/linux/sched/types.h: struct sched_param {int sched_priority}. */
    @Test
    public void schedParamIsOneInt() {
        assertEquals(4, Struct.size(new SchedulerCalls.SchedParam()));
    }
}
