package dev.intercessor.handler.bpf;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

/**
 * What a container may have loaded as a device-cgroup program. The supervisor loads it with its
 * own privileges, so the privileged verifier's extras must not reach the container. Only plain
 * computation on the context is let through: no helper, kfunc or bpf-to-bpf call (a helper such
 * as {@code bpf_probe_read_kernel} would read the host's memory) and no 64-bit load that names a
 * map, BTF object or function (those would resolve in the supervisor's fd table). What
 * runc, crun and systemd generate needs none of this.
 */
final class DeviceProgram {

    /** Instructions at most: the kernel's limit for unprivileged programs. */
    static final int MAX_INSNS = 4096;

    private static final int BPF_JMP_CALL = 0x85; // BPF_JMP | BPF_CALL
    private static final int BPF_LD_IMM64 = 0x18; // BPF_LD | BPF_IMM | BPF_DW

    private DeviceProgram() {
    }

    /**
     * @param insns {@code struct bpf_insn}s, 8 bytes each
     * @throws SyscallException {@code EPERM} naming the first instruction not allowed
     */
    static void check(byte[] insns) throws SyscallException {
        if (insns.length == 0 || insns.length % 8 != 0) {
            throw new SyscallException(Errno.EINVAL, "no whole instructions");
        }
        int count = insns.length / 8;
        for (int i = 0; i < count; i++) {
            int code = insns[i * 8] & 0xff;
            int srcReg = (insns[i * 8 + 1] & 0xf0) >>> 4;
            if (code == BPF_JMP_CALL) {
                throw new SyscallException(Errno.EPERM, "instruction " + i
                        + " calls a helper, kfunc or function: not allowed in a device program loaded for a container");
            }
            if (code == BPF_LD_IMM64) {
                if (srcReg != 0) {
                    throw new SyscallException(Errno.EPERM, "instruction " + i
                            + " loads a map, BTF or function reference (src_reg " + srcReg + "): not allowed");
                }
                i++; // its second half
            }
        }
    }
}
