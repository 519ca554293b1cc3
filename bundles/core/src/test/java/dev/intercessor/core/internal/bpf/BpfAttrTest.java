package dev.intercessor.core.internal.bpf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.Test;

import dev.intercessor.core.internal.linux.Linux;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/**
 * {@link BpfAttr}'s members against {@code union bpf_attr} and {@code struct bpf_prog_info} in
 * {@code include/uapi/linux/bpf.h}, then a real load, id and lookup by id (root).
 */
public class BpfAttrTest {

    @Test
    public void progLoadHasTheKernelsLayout() {
        BpfAttr.ProgLoad attr = new BpfAttr.ProgLoad();
        Pointer raw = Struct.getMemory(attr);
        assertEquals(BpfAttr.SIZE, raw.size());
        attr.progType.set(1);
        attr.insnCount.set(2);
        attr.insns.set(3);
        attr.license.set(4);
        attr.logLevel.set(5);
        attr.logSize.set(6);
        attr.logBuffer.set(7);
        attr.kernelVersion.set(8);
        attr.progFlags.set(9);
        attr.progName[0].set((short) 'n');
        // __u32 prog_type, insn_cnt; __aligned_u64 insns, license; __u32 log_level, log_size;
        // __aligned_u64 log_buf; __u32 kern_version, prog_flags; char prog_name[16]
        assertEquals(1, raw.getInt(0));
        assertEquals(2, raw.getInt(4));
        assertEquals(3, raw.getLong(8));
        assertEquals(4, raw.getLong(16));
        assertEquals(5, raw.getInt(24));
        assertEquals(6, raw.getInt(28));
        assertEquals(7, raw.getLong(32));
        assertEquals(8, raw.getInt(40));
        assertEquals(9, raw.getInt(44));
        assertEquals('n', raw.getByte(48));
        assertEquals(16, attr.progName.length);
    }

    @Test
    public void theOtherMembersHaveTheKernelsLayout() {
        // info: __u32 bpf_fd, info_len; __aligned_u64 info
        BpfAttr.ObjGetInfo info = new BpfAttr.ObjGetInfo();
        info.fd.set(1);
        info.infoLength.set(2);
        info.info.set(3);
        Pointer raw = Struct.getMemory(info);
        assertEquals(1, raw.getInt(0));
        assertEquals(2, raw.getInt(4));
        assertEquals(3, raw.getLong(8));
        // BPF_*_GET_*_ID: union { __u32 start_id, prog_id, ... }; __u32 next_id, open_flags
        BpfAttr.GetFdById byId = new BpfAttr.GetFdById();
        byId.id.set(1);
        byId.nextId.set(2);
        byId.openFlags.set(3);
        raw = Struct.getMemory(byId);
        assertEquals(1, raw.getInt(0));
        assertEquals(2, raw.getInt(4));
        assertEquals(3, raw.getInt(8));
        // BPF_PROG_ATTACH/DETACH: __u32 target_fd, attach_bpf_fd, attach_type, attach_flags
        BpfAttr.ProgAttach attach = new BpfAttr.ProgAttach();
        attach.targetFd.set(1);
        attach.attachBpfFd.set(2);
        attach.attachType.set(3);
        attach.attachFlags.set(4);
        raw = Struct.getMemory(attach);
        for (int i = 0; i < 4; i++) {
            assertEquals(i + 1, raw.getInt(4L * i));
        }
        // struct bpf_prog_info: __u32 type, id
        BpfAttr.ProgInfo prog = new BpfAttr.ProgInfo();
        assertEquals(8, Struct.size(prog));
        Struct.getMemory(prog).putInt(4, 77);
        assertEquals(77, prog.id.intValue());
    }

    /** {@code r0 = 1; exit}: a device program that allows everything. */
    private static final byte[] ALLOW = {
        (byte) 0xb7, 0, 0, 0, 1, 0, 0, 0,
        (byte) 0x95, 0, 0, 0, 0, 0, 0, 0,
    };
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;

    @Test
    public void aProgramLoadedThroughTheStructsIsFoundByItsId() throws Exception {
        Pointer log = Linux.allocate(4096);
        int fd = BpfCommands.progLoad(BPF_PROG_TYPE_CGROUP_DEVICE, ALLOW, "GPL", 1, log,
                "structs_test".getBytes(StandardCharsets.US_ASCII));
        try {
            int id = BpfCommands.progId(fd);
            assertTrue("id " + id, id > 0);
            int again = BpfCommands.progFdById(id);
            try {
                assertEquals(id, BpfCommands.progId(again));
            } finally {
                Linux.close(again);
            }
            String name = new String(Linux.readlinkat(Linux.AT_FDCWD, "/proc/self/fd/" + fd), StandardCharsets.UTF_8);
            assertEquals("anon_inode:bpf-prog", name);
        } finally {
            Linux.close(fd);
        }
    }
}
