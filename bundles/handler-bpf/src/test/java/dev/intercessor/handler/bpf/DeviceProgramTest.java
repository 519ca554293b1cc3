package dev.intercessor.handler.bpf;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import org.junit.Test;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

public class DeviceProgramTest {

    private static byte[] insn(int code, int dst, int src, int off, int imm) {
        return new byte[] {(byte) code, (byte) ((src << 4) | dst), (byte) off, (byte) (off >> 8),
            (byte) imm, (byte) (imm >> 8), (byte) (imm >> 16), (byte) (imm >> 24)};
    }

    private static byte[] program(byte[]... insns) {
        byte[] all = new byte[insns.length * 8];
        for (int i = 0; i < insns.length; i++) {
            System.arraycopy(insns[i], 0, all, i * 8, 8);
        }
        return all;
    }

    private static final byte[] MOV_R0_1 = insn(0xb7, 0, 0, 0, 1);
    private static final byte[] EXIT = insn(0x95, 0, 0, 0, 0);

    @Test
    public void plainComputationOnTheContextPasses() throws Exception {
        DeviceProgram.check(program(
                insn(0x61, 2, 1, 4, 0), // r2 = *(u32 *)(r1 + 4): major
                insn(0x55, 2, 0, 2, 1), // if r2 != 1 goto +2
                insn(0xb7, 0, 0, 0, 0), // r0 = 0
                EXIT,
                MOV_R0_1,
                EXIT));
        // A plain 64-bit immediate (src_reg 0) and its second half.
        DeviceProgram.check(program(insn(0x18, 0, 0, 0, 1), insn(0, 0, 0, 0, 0), EXIT));
    }

    @Test
    public void helperCallsAreRefused() {
        expect(Errno.EPERM, program(insn(0x85, 0, 0, 0, 113), MOV_R0_1, EXIT)); // bpf_probe_read_kernel
        expect(Errno.EPERM, program(insn(0x85, 0, 1, 0, 2), MOV_R0_1, EXIT)); // bpf-to-bpf call
        expect(Errno.EPERM, program(insn(0x85, 0, 2, 0, 7), MOV_R0_1, EXIT)); // kfunc
    }

    @Test
    public void mapAndBtfReferencesAreRefused() {
        for (int src = 1; src <= 6; src++) { // MAP_FD, MAP_VALUE, BTF_ID, FUNC, MAP_IDX, MAP_IDX_VALUE
            expect(Errno.EPERM, program(insn(0x18, 1, src, 0, 3), insn(0, 0, 0, 0, 0), MOV_R0_1, EXIT));
        }
    }

    @Test
    public void theSecondHalfOfAWideLoadIsNotReadAsAnInstruction() throws Exception {
        // Its bytes would read as a call (0x85): it is data, the kernel reads it as the upper imm.
        DeviceProgram.check(program(insn(0x18, 0, 0, 0, 1), insn(0x85, 0, 0, 0, 0), EXIT));
    }

    @Test
    public void partialInstructionsAreInvalid() {
        expect(Errno.EINVAL, new byte[0]);
        expect(Errno.EINVAL, new byte[12]);
    }

    private static void expect(int errno, byte[] insns) {
        try {
            DeviceProgram.check(insns);
            fail("accepted");
        } catch (SyscallException e) {
            assertEquals(e.getMessage(), errno, e.errno());
        }
    }
}
