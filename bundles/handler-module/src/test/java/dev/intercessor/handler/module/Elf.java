package dev.intercessor.handler.module;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small ELF64 little-endian relocatable objects for the tests: a header, the sections'
 * contents, the section-name table, then the section headers (as {@code gcc -c} lays them out).
 */
final class Elf {

    static final int SHT_PROGBITS = 1;
    static final int SHT_STRTAB = 3;
    static final int SHT_NOBITS = 8;
    static final long SHF_ALLOC = 2;

    private record Section(String name, int type, long flags, byte[] data) {
    }

    private final List<Section> sections = new ArrayList<>();
    private int machine = ModuleImage.EM_X86_64;

    Elf machine(int machine) {
        this.machine = machine;
        return this;
    }

    Elf section(String name, int type, long flags, byte[] data) {
        sections.add(new Section(name, type, flags, data));
        return this;
    }

    /** A {@code .modinfo} of these NUL-terminated entries. */
    Elf modinfo(String... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String e : entries) {
            out.writeBytes(e.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return section(".modinfo", SHT_PROGBITS, SHF_ALLOC, out.toByteArray());
    }

    /** A {@code .gnu.linkonce.this_module} holding a struct module of this name (raw bytes). */
    Elf thisModule(byte[] name) {
        byte[] module = new byte[1024];
        System.arraycopy(name, 0, module, ModuleImage.THIS_MODULE_NAME_OFFSET,
                Math.min(name.length, ModuleImage.THIS_MODULE_NAME_LEN));
        return section(".gnu.linkonce.this_module", SHT_PROGBITS, SHF_ALLOC | 1, module);
    }

    Elf thisModule(String name) {
        return thisModule(name.getBytes(StandardCharsets.UTF_8));
    }

    /** A module as modpost makes it: both sections name it. */
    static byte[] module(String name) {
        return new Elf().modinfo("license=GPL", "name=" + name, "vermagic=6.1.0 SMP").thisModule(name).build();
    }

    byte[] build() {
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        names.write(0);
        int[] nameOffsets = new int[sections.size() + 1];
        for (int i = 0; i < sections.size(); i++) {
            nameOffsets[i] = names.size();
            names.writeBytes(sections.get(i).name().getBytes(StandardCharsets.UTF_8));
            names.write(0);
        }
        nameOffsets[sections.size()] = names.size();
        names.writeBytes(".shstrtab".getBytes(StandardCharsets.UTF_8));
        names.write(0);

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[ModuleImage.ELF64_EHDR_SIZE]);
        long[] offsets = new long[sections.size() + 1];
        for (int i = 0; i < sections.size(); i++) {
            offsets[i] = body.size();
            if (sections.get(i).type() != SHT_NOBITS) {
                body.writeBytes(sections.get(i).data());
            }
        }
        offsets[sections.size()] = body.size();
        body.writeBytes(names.toByteArray());
        while (body.size() % 8 != 0) {
            body.write(0);
        }
        long shoff = body.size();
        int shnum = sections.size() + 2; // the null section first, the name table last
        ByteBuffer headers = ByteBuffer.allocate(shnum * 64).order(ByteOrder.LITTLE_ENDIAN);
        headers.position(64);
        for (int i = 0; i <= sections.size(); i++) {
            boolean table = i == sections.size();
            headers.putInt(nameOffsets[i]);
            headers.putInt(table ? SHT_STRTAB : sections.get(i).type());
            headers.putLong(table ? 0 : sections.get(i).flags());
            headers.putLong(0);
            headers.putLong(offsets[i]);
            headers.putLong(table ? names.size() : sections.get(i).data().length);
            headers.putInt(0).putInt(0).putLong(1).putLong(0);
        }
        body.writeBytes(headers.array());
        byte[] image = body.toByteArray();
        ByteBuffer h = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        h.put(0, (byte) 0x7f).put(1, (byte) 'E').put(2, (byte) 'L').put(3, (byte) 'F');
        h.put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        h.putShort(16, (short) 1).putShort(18, (short) machine).putInt(20, 1);
        h.putLong(40, shoff).putShort(52, (short) 64).putShort(58, (short) 64);
        h.putShort(60, (short) shnum).putShort(62, (short) (shnum - 1));
        return image;
    }

    /** Section header {@code index}'s field at {@code field} (8 bytes) set to {@code value}. */
    static byte[] withSectionField(byte[] image, int index, int field, long value) {
        byte[] copy = image.clone();
        ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong((int) (b.getLong(40) + index * 64L + field), value);
        return copy;
    }

    static byte[] withShort(byte[] image, int at, int value) {
        byte[] copy = image.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) value);
        return copy;
    }

    static byte[] withLong(byte[] image, int at, long value) {
        byte[] copy = image.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        return copy;
    }
}
