package dev.intercessor.core.internal.bpf;

import java.lang.ref.Reference;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

import dev.intercessor.core.internal.linux.Linux;
import dev.intercessor.core.internal.linux.LinuxException;

/**
 * The {@code bpf(2)} commands the supervisor uses, each building its {@link BpfAttr} member in
 * native memory of its own, so every pointer the kernel follows points into the supervisor.
 */
final class BpfCommands {

    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_DETACH = 9;
    private static final int BPF_PROG_GET_FD_BY_ID = 13;
    private static final int BPF_OBJ_GET_INFO_BY_FD = 15;

    private BpfCommands() {
    }

    /**
     * {@code BPF_PROG_LOAD} as the calling thread (its capabilities and memory cgroup count).
     *
     * @param instructions whole {@code struct bpf_insn}s (8 bytes each)
     * @param log the verifier's log buffer, or null for none (then {@code logLevel} is not sent)
     * @param name the program's name (up to 15 bytes are kept), or null
     * @return the program's fd
     */
    static int progLoad(int type, byte[] instructions, String license, int logLevel, Pointer log, byte[] name)
            throws LinuxException {
        Pointer insns = Linux.allocate(instructions.length);
        insns.put(0, instructions, 0, instructions.length);
        byte[] licenseBytes = Linux.cPath(license);
        Pointer licenseBuffer = Linux.allocate(licenseBytes.length);
        licenseBuffer.put(0, licenseBytes, 0, licenseBytes.length);
        BpfAttr.ProgLoad attr = new BpfAttr.ProgLoad();
        attr.progType.set(type);
        attr.insnCount.set(instructions.length / 8);
        attr.insns.set(insns.address());
        attr.license.set(licenseBuffer.address());
        if (log != null) {
            attr.logLevel.set(logLevel);
            attr.logSize.set(log.size());
            attr.logBuffer.set(log.address());
        }
        if (name != null) {
            attr.memory().put(attr.progName[0].offset(), name, 0, Math.min(name.length, attr.progName.length - 1));
        }
        try {
            return (int) Linux.bpf(BPF_PROG_LOAD, attr.memory(), BpfAttr.SIZE);
        } finally {
            // The kernel reads them by address only: they must outlive the call.
            Reference.reachabilityFence(insns);
            Reference.reachabilityFence(licenseBuffer);
            Reference.reachabilityFence(log);
        }
    }

    /** @return the id of the program {@code fd} refers to ({@code BPF_OBJ_GET_INFO_BY_FD}) */
    static int progId(int fd) throws LinuxException {
        BpfAttr.ProgInfo info = new BpfAttr.ProgInfo();
        BpfAttr.ObjGetInfo attr = new BpfAttr.ObjGetInfo();
        attr.fd.set(fd);
        attr.infoLength.set(Struct.size(info));
        attr.info.set(Struct.getMemory(info).address());
        Linux.bpf(BPF_OBJ_GET_INFO_BY_FD, attr.memory(), BpfAttr.SIZE);
        return info.id.intValue();
    }

    /** @return a new fd of the loaded program {@code id} ({@code BPF_PROG_GET_FD_BY_ID}) */
    static int progFdById(int id) throws LinuxException {
        BpfAttr.GetFdById attr = new BpfAttr.GetFdById();
        attr.id.set(id);
        return (int) Linux.bpf(BPF_PROG_GET_FD_BY_ID, attr.memory(), BpfAttr.SIZE);
    }

    static void progAttach(int targetFd, int programFd, int attachType, int flags) throws LinuxException {
        BpfAttr.ProgAttach attr = new BpfAttr.ProgAttach();
        attr.targetFd.set(targetFd);
        attr.attachBpfFd.set(programFd);
        attr.attachType.set(attachType);
        attr.attachFlags.set(flags);
        Linux.bpf(BPF_PROG_ATTACH, attr.memory(), BpfAttr.SIZE);
    }

    static void progDetach(int targetFd, int programFd, int attachType) throws LinuxException {
        BpfAttr.ProgAttach attr = new BpfAttr.ProgAttach();
        attr.targetFd.set(targetFd);
        attr.attachBpfFd.set(programFd);
        attr.attachType.set(attachType);
        Linux.bpf(BPF_PROG_DETACH, attr.memory(), BpfAttr.SIZE);
    }
}
