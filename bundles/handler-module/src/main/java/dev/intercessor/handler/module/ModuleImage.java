package dev.intercessor.handler.module;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The name of the kernel module an ELF image says it is, read as the kernel's module loader reads
 * it (kernel/module/main.c, {@code elf_validity_cache_copy} and {@code setup_load_info}): the
 * {@code name=} entry of the {@code .modinfo} section if there is one, else the name in
 * {@code struct module} of the {@code .gnu.linkonce.this_module} section. Only that: nothing of the
 * image is ever loaded, so the rest (symbols, relocations, vermagic) is not checked.
 *
 * <p>What the loader refuses with {@code ENOEXEC} is refused here the same way: not an ELF, not
 * 64-bit little-endian, not relocatable ({@code ET_REL}), not for the host's machine, a section
 * header size other than 64, a section table or a section (other than {@code SHT_NOBITS}) that
 * does not lie within the image, a section-name table that is not NUL-terminated, a name offset
 * past it, no {@code .gnu.linkonce.this_module} section. Every offset and size is an unsigned
 * 64-bit number checked against the image's length before use; nothing is read twice.
 *
 * <p>A module's name is what {@code modpost} makes of its file name: letters, digits, '_' and '-',
 * '-' being '_' for the kernel ({@code KBUILD_MODNAME}), and at most {@value #NAME_MAX} characters
 * ({@code MODULE_NAME_LEN} − 1 = 64 − {@code sizeof(unsigned long)} − 1). Anything else cannot name a
 * module of the host and is refused here too.
 */
final class ModuleImage {

    /** Thrown for an image the kernel's loader would refuse with {@code ENOEXEC}, saying why. */
    static final class NotAModuleException extends Exception {
        private static final long serialVersionUID = 1L;

        NotAModuleException(String message) {
            super(message);
        }
    }

    /** {@code MODULE_NAME_LEN - 1} on a 64-bit kernel. */
    static final int NAME_MAX = 55;
    /**
     * Offset of {@code name} in {@code struct module} on 64-bit kernels (include/linux/module.h,
     * unchanged since 2.6): {@code enum module_state state} (4 bytes, padded to 8 for what follows),
     * {@code struct list_head list} (two pointers, 16 bytes), then {@code char name[MODULE_NAME_LEN]}.
     * Checked against x86_64 6.1 and 6.18 ({@code pahole -C module}: {@code name} at 24).
     */
    static final int THIS_MODULE_NAME_OFFSET = 24;
    /** {@code MODULE_NAME_LEN} on a 64-bit kernel: the name array, NUL included. */
    static final int THIS_MODULE_NAME_LEN = 56;

    static final int ELF64_EHDR_SIZE = 64;
    static final int ELF64_SHDR_SIZE = 64;
    static final int ET_REL = 1;
    static final int SHT_NOBITS = 8;
    static final long SHF_ALLOC = 0x2;
    static final int SHN_XINDEX = 0xffff;

    static final int EM_X86_64 = 62;
    static final int EM_AARCH64 = 183;
    static final int EM_PPC64 = 21;
    static final int EM_RISCV = 243;
    static final int EM_LOONGARCH = 258;

    /** A module name as the kernel has it: after '-' became '_'. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]{1," + NAME_MAX + "}");

    private ModuleImage() {
    }

    /**
     * @return the ELF machine of the host's kernel, which a module must be built for, whatever the
     *         caller's ABI (an i386 program on x86_64 loads x86_64 modules); -1 where this handler
     *         knows no 64-bit little-endian machine (then every image is refused)
     */
    static int hostMachine() {
        switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64": case "x86_64":
                return EM_X86_64;
            case "aarch64":
                return EM_AARCH64;
            case "ppc64le":
                return EM_PPC64;
            case "riscv64":
                return EM_RISCV;
            case "loongarch64":
                return EM_LOONGARCH;
            default:
                return -1;
        }
    }

    /**
     * @param image   the whole image, as read once from the caller
     * @param machine the ELF machine the host's kernel is
     * @return the module's name, with '-' as '_'
     * @throws NotAModuleException what the kernel's loader would refuse ({@code ENOEXEC}), or a name
     *                             that no module has
     */
    static String name(byte[] image, int machine) throws NotAModuleException {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        long length = image.length;
        if (length < ELF64_EHDR_SIZE) {
            throw new NotAModuleException("shorter than an ELF header (" + length + " bytes)");
        }
        if (image[0] != 0x7f || image[1] != 'E' || image[2] != 'L' || image[3] != 'F') {
            throw new NotAModuleException("no ELF magic");
        }
        if (image[4] != 2 || image[5] != 1) {
            throw new NotAModuleException("not a 64-bit little-endian ELF (class " + image[4] + ", data " + image[5] + ")");
        }
        int type = Short.toUnsignedInt(b.getShort(16));
        if (type != ET_REL) {
            throw new NotAModuleException("not a relocatable object (e_type " + type + ")");
        }
        int elfMachine = Short.toUnsignedInt(b.getShort(18));
        if (elfMachine != machine) {
            throw new NotAModuleException("built for machine " + elfMachine + ", the host's kernel is " + machine);
        }
        long shoff = b.getLong(40);
        int shentsize = Short.toUnsignedInt(b.getShort(58));
        int shnum = Short.toUnsignedInt(b.getShort(60));
        int shstrndx = Short.toUnsignedInt(b.getShort(62));
        if (shentsize != ELF64_SHDR_SIZE) {
            throw new NotAModuleException("section header size " + shentsize + ", not " + ELF64_SHDR_SIZE);
        }
        // shnum 0 means "more than 0xff00, in the first header": the kernel's loader does not read it.
        if (shnum == 0 || shstrndx == SHN_XINDEX || shstrndx >= shnum) {
            throw new NotAModuleException("section count " + shnum + " or name table index " + shstrndx + " out of range");
        }
        if (!within(shoff, (long) shnum * ELF64_SHDR_SIZE, length)) {
            throw new NotAModuleException("section table (" + shnum + " at 0x" + Long.toHexString(shoff)
                    + ") past the end of the image (" + length + " bytes)");
        }
        Section[] sections = new Section[shnum];
        for (int i = 0; i < shnum; i++) {
            int at = (int) (shoff + (long) i * ELF64_SHDR_SIZE);
            Section s = new Section(Integer.toUnsignedLong(b.getInt(at)), b.getInt(at + 4), b.getLong(at + 8),
                    b.getLong(at + 24), b.getLong(at + 32));
            if (s.type != SHT_NOBITS && !within(s.offset, s.size, length)) {
                throw new NotAModuleException("section " + i + " (0x" + Long.toHexString(s.offset) + ", "
                        + Long.toUnsignedString(s.size) + " bytes) past the end of the image");
            }
            sections[i] = s;
        }
        Section names = sections[shstrndx];
        if (names.type == SHT_NOBITS || names.size == 0 || image[(int) (names.offset + names.size - 1)] != 0) {
            throw new NotAModuleException("section name table empty or not NUL-terminated");
        }
        int modinfo = -1;
        int thisModule = -1;
        for (int i = 0; i < shnum; i++) {
            if (Long.compareUnsigned(sections[i].name, names.size) >= 0) {
                throw new NotAModuleException("section " + i + " has a name past the name table");
            }
            if ((sections[i].flags & SHF_ALLOC) == 0) {
                continue; // the kernel's find_sec looks at allocated sections only
            }
            String name = cString(image, (int) (names.offset + sections[i].name), (int) (names.offset + names.size));
            if (modinfo < 0 && name.equals(".modinfo")) {
                modinfo = i;
            } else if (thisModule < 0 && name.equals(".gnu.linkonce.this_module")) {
                thisModule = i;
            }
        }
        if (thisModule < 0) {
            throw new NotAModuleException("no .gnu.linkonce.this_module section: no module in the object");
        }
        Section module = sections[thisModule];
        if (module.type == SHT_NOBITS) {
            throw new NotAModuleException(".gnu.linkonce.this_module has no contents (SHT_NOBITS)");
        }
        String raw = modinfo >= 0 && sections[modinfo].type != SHT_NOBITS ? modinfoName(image, sections[modinfo]) : null;
        if (raw == null) {
            raw = thisModuleName(image, module);
        }
        return normalised(raw);
    }

    /** @return the value of the first {@code name=} entry, or {@code null} if none */
    private static String modinfoName(byte[] image, Section modinfo) throws NotAModuleException {
        int at = (int) modinfo.offset;
        int end = (int) (modinfo.offset + modinfo.size);
        while (at < end) {
            int nul = at;
            while (nul < end && image[nul] != 0) {
                nul++;
            }
            if (nul == end) {
                throw new NotAModuleException(".modinfo entry at 0x" + Integer.toHexString(at) + " not NUL-terminated");
            }
            if (nul - at >= 5 && image[at] == 'n' && image[at + 1] == 'a' && image[at + 2] == 'm' && image[at + 3] == 'e'
                    && image[at + 4] == '=') {
                return latin1(image, at + 5, nul);
            }
            at = nul + 1;
        }
        return null;
    }

    private static String thisModuleName(byte[] image, Section module) throws NotAModuleException {
        if (Long.compareUnsigned(module.size, THIS_MODULE_NAME_OFFSET + THIS_MODULE_NAME_LEN) < 0) {
            throw new NotAModuleException(".gnu.linkonce.this_module too small for struct module ("
                    + Long.toUnsignedString(module.size) + " bytes)");
        }
        int start = (int) module.offset + THIS_MODULE_NAME_OFFSET;
        int end = start + THIS_MODULE_NAME_LEN;
        for (int i = start; i < end; i++) {
            if (image[i] == 0) {
                return latin1(image, start, i);
            }
        }
        throw new NotAModuleException("struct module's name is not NUL-terminated");
    }

    /**
     * @return {@code raw} with '-' as '_', if it can name a module
     * @throws NotAModuleException if it cannot
     */
    static String normalised(String raw) throws NotAModuleException {
        String name = raw.replace('-', '_');
        if (!NAME.matcher(name).matches()) {
            throw new NotAModuleException("'" + printable(raw) + "' is not a module name ([A-Za-z0-9_-], 1 to "
                    + NAME_MAX + " characters)");
        }
        return name;
    }

    /** @return {@code s} with every character outside printable ASCII as '?', at most 80 of them */
    static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 80 ? p.substring(0, 80) + "…" : p;
    }

    /** @return whether [offset, offset + size) lies in [0, length), all unsigned, without overflow */
    static boolean within(long offset, long size, long length) {
        return Long.compareUnsigned(offset, length) <= 0 && Long.compareUnsigned(size, length - offset) <= 0;
    }

    private static String cString(byte[] image, int from, int limit) {
        int nul = from;
        while (nul < limit && image[nul] != 0) {
            nul++;
        }
        return latin1(image, from, nul);
    }

    /** Byte for byte, so that any non-ASCII byte stays a character the name check refuses. */
    private static String latin1(byte[] image, int from, int to) {
        return new String(image, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private record Section(long name, int type, long flags, long offset, long size) {
    }
}
