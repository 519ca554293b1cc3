package dev.intercessor.core.internal.bpf;

import jnr.ffi.Struct;

import dev.intercessor.core.internal.linux.Linux;

/**
 * {@code union bpf_attr} ({@code include/uapi/linux/bpf.h}): one member per command, each a
 * {@code jnr.ffi.Struct} over {@link #SIZE} zeroed bytes of its own (the kernel wants every byte
 * past the command's member zero). Pointers the kernel follows are {@code __aligned_u64}.
 */
final class BpfAttr {

    /** Up to {@code log_true_size}: every field this code sets, the rest zero. */
    static final int SIZE = 144;

    private BpfAttr() {
    }

    private abstract static class Member extends Struct {
        Member() {
            super(Linux.runtime());
        }

        /** Gives the member its own zeroed union-sized memory; call from each constructor's end. */
        final void allocate() {
            useMemory(Linux.allocate(SIZE));
        }

        final jnr.ffi.Pointer memory() {
            return Struct.getMemory(this);
        }
    }

    /** {@code BPF_PROG_LOAD}'s member, up to {@code prog_name}. */
    static final class ProgLoad extends Member {
        final Unsigned32 progType = new Unsigned32();
        final Unsigned32 insnCount = new Unsigned32();
        final Unsigned64 insns = new Unsigned64();
        final Unsigned64 license = new Unsigned64();
        final Unsigned32 logLevel = new Unsigned32();
        final Unsigned32 logSize = new Unsigned32();
        final Unsigned64 logBuffer = new Unsigned64();
        final Unsigned32 kernelVersion = new Unsigned32();
        final Unsigned32 progFlags = new Unsigned32();
        /** {@code char prog_name[BPF_OBJ_NAME_LEN]}: 16, NUL-terminated */
        final Unsigned8[] progName = array(new Unsigned8[16]);

        ProgLoad() {
            allocate();
        }
    }

    /** {@code BPF_OBJ_GET_INFO_BY_FD}'s member ({@code info}). */
    static final class ObjGetInfo extends Member {
        final Unsigned32 fd = new Unsigned32();
        final Unsigned32 infoLength = new Unsigned32();
        final Unsigned64 info = new Unsigned64();

        ObjGetInfo() {
            allocate();
        }
    }

    /** {@code BPF_PROG_GET_FD_BY_ID}'s member: the id, then {@code next_id} and {@code open_flags}. */
    static final class GetFdById extends Member {
        final Unsigned32 id = new Unsigned32();
        final Unsigned32 nextId = new Unsigned32();
        final Unsigned32 openFlags = new Unsigned32();

        GetFdById() {
            allocate();
        }
    }

    /** {@code BPF_PROG_ATTACH} / {@code BPF_PROG_DETACH}'s member. */
    static final class ProgAttach extends Member {
        final Unsigned32 targetFd = new Unsigned32();
        final Unsigned32 attachBpfFd = new Unsigned32();
        final Unsigned32 attachType = new Unsigned32();
        final Unsigned32 attachFlags = new Unsigned32();

        ProgAttach() {
            allocate();
        }
    }

    /** {@code struct bpf_prog_info} up to {@code id}: the kernel fills what fits in {@code info_len}. */
    static final class ProgInfo extends Struct {
        final Unsigned32 type = new Unsigned32();
        final Unsigned32 id = new Unsigned32();

        ProgInfo() {
            super(Linux.runtime());
            useMemory(Linux.allocate(Struct.size(this)));
        }
    }
}
