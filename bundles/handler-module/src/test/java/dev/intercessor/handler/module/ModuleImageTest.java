package dev.intercessor.handler.module;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.Test;

import dev.intercessor.handler.module.ModuleImage.NotAModuleException;

/** {@link ModuleImage}: module names from ELF images, and every malformed image refused as ENOEXEC. */
public class ModuleImageTest {

    private static final int X86_64 = ModuleImage.EM_X86_64;

    private static String name(byte[] image) throws NotAModuleException {
        return ModuleImage.name(image, X86_64);
    }

    private static String refusal(byte[] image) {
        return assertThrows(NotAModuleException.class, () -> name(image)).getMessage();
    }

    @Test
    public void theNameComesFromModinfo() throws Exception {
        assertEquals("dummy", name(Elf.module("dummy")));
    }

    @Test
    public void modinfoWinsOverStructModuleAsInTheKernel() throws Exception {
        assertEquals("from_modinfo", name(new Elf().thisModule("from_struct").modinfo("name=from_modinfo").build()));
    }

    @Test
    public void withoutModinfoOrItsNameTheNameComesFromStructModule() throws Exception {
        assertEquals("only_struct", name(new Elf().thisModule("only_struct").build()));
        assertEquals("only_struct", name(new Elf().modinfo("license=GPL", "alias=fs-x").thisModule("only_struct").build()));
        // .modinfo that is not allocated is not the kernel's .modinfo (find_sec looks at SHF_ALLOC only)
        assertEquals("only_struct", name(new Elf().section(".modinfo", Elf.SHT_PROGBITS, 0,
                "name=ignored\0".getBytes(StandardCharsets.US_ASCII)).thisModule("only_struct").build()));
    }

    @Test
    public void theFirstNameEntryCounts() throws Exception {
        assertEquals("first", name(new Elf().modinfo("name=first", "name=second").thisModule("x").build()));
    }

    @Test
    public void dashesAreUnderscoresAsForTheKernel() throws Exception {
        assertEquals("dummy_allowed", name(new Elf().modinfo("name=dummy-allowed").thisModule("dummy_allowed").build()));
        assertEquals("a_b_c", name(new Elf().thisModule("a-b_c").build()));
    }

    @Test
    public void aNameOfFiftyFiveCharactersIsTheLongest() throws Exception {
        String longest = "m".repeat(55);
        assertEquals(longest, name(new Elf().modinfo("name=" + longest).thisModule("x").build()));
        assertTrue(refusal(new Elf().modinfo("name=" + longest + "m").thisModule("x").build()).contains("not a module name"));
    }

    @Test
    public void namesThatNoModuleHasAreRefused() {
        for (String bad : new String[] {"", "a/b", "../../tmp/x", "x;reboot", "$(reboot)", "`id`", "a b", "-", "a\nb",
            "é", "x*", "name with\ttab", "."}) {
            if (bad.equals("-")) {
                continue; // '-' is '_', a name
            }
            String why = refusal(new Elf().modinfo("name=" + bad).thisModule("fine").build());
            assertTrue(bad + ": " + why, why.contains("not a module name"));
            why = refusal(new Elf().thisModule(bad).build());
            assertTrue(bad + " in struct module: " + why, why.contains("not a module name"));
        }
    }

    @Test
    public void bytesThatAreNotUtf8OrAsciiAreRefusedAndLoggedPrintably() {
        byte[] raw = {'a', (byte) 0xff, (byte) 0xc3, 'b', 0x1b, '[', '2', 'J'};
        String why = refusal(new Elf().thisModule(raw).build());
        assertTrue(why, why.contains("not a module name"));
        assertTrue("nothing unprintable in the message: " + why, why.matches("[\\x20-\\x7e]*"));
    }

    @Test
    public void structModulesNameMustBeNulTerminatedWithinItsArray() {
        byte[] noNul = new byte[ModuleImage.THIS_MODULE_NAME_LEN];
        Arrays.fill(noNul, (byte) 'a');
        assertTrue(refusal(new Elf().thisModule(noNul).build()).contains("not NUL-terminated"));
    }

    @Test
    public void aModinfoEntryRunningOffItsSectionIsRefused() {
        byte[] unterminated = "license=GPL\0name=dummy".getBytes(StandardCharsets.US_ASCII);
        assertTrue(refusal(new Elf().section(".modinfo", Elf.SHT_PROGBITS, Elf.SHF_ALLOC, unterminated)
                .thisModule("dummy").build()).contains("not NUL-terminated"));
    }

    @Test
    public void anObjectWithoutStructModuleIsNoModule() {
        assertTrue(refusal(new Elf().modinfo("name=dummy").build()).contains("no .gnu.linkonce.this_module"));
        assertTrue(refusal(new Elf().section(".gnu.linkonce.this_module", Elf.SHT_NOBITS, Elf.SHF_ALLOC, new byte[1024])
                .build()).contains("SHT_NOBITS"));
        assertTrue(refusal(new Elf().section(".gnu.linkonce.this_module", Elf.SHT_PROGBITS, Elf.SHF_ALLOC, new byte[40])
                .build()).contains("too small"));
    }

    @Test
    public void onlyA64BitLittleEndianRelocatableObjectForTheHostsMachineIsAModule() {
        byte[] good = Elf.module("dummy");
        byte[] copy = good.clone();
        copy[4] = 1;
        assertTrue(refusal(copy).contains("64-bit little-endian"));
        copy = good.clone();
        copy[5] = 2;
        assertTrue(refusal(copy).contains("64-bit little-endian"));
        copy = good.clone();
        copy[1] = 'X';
        assertTrue(refusal(copy).contains("magic"));
        assertTrue(refusal(Elf.withShort(good, 16, 2)).contains("relocatable"));
        assertTrue(refusal(Elf.withShort(good, 16, 3)).contains("relocatable"));
        assertTrue(refusal(new Elf().machine(ModuleImage.EM_AARCH64).thisModule("arm").build()).contains("machine"));
        assertTrue(refusal(new byte[0]).contains("shorter"));
        assertTrue(refusal(Arrays.copyOf(good, 63)).contains("shorter"));
    }

    @Test
    public void aSectionTableOutsideTheImageIsRefused() {
        byte[] good = Elf.module("dummy");
        assertTrue(refusal(Elf.withShort(good, 60, 0xff00)).contains("past the end"));
        assertTrue(refusal(Elf.withShort(good, 60, 0xffff)).contains("past the end"));
        assertTrue(refusal(Elf.withLong(good, 40, -1L)).contains("past the end"));
        assertTrue(refusal(Elf.withLong(good, 40, Long.MAX_VALUE)).contains("past the end"));
        assertTrue(refusal(Elf.withLong(good, 40, good.length)).contains("past the end"));
        assertTrue(refusal(Elf.withShort(good, 60, 0)).contains("out of range"));
        assertTrue(refusal(Elf.withShort(good, 62, 0xffff)).contains("out of range"));
        assertTrue(refusal(Elf.withShort(good, 62, 9)).contains("out of range"));
        assertTrue(refusal(Elf.withShort(good, 58, 40)).contains("section header size"));
    }

    @Test
    public void aSectionOutsideTheImageIsRefusedWithoutOverflow() {
        byte[] good = Elf.module("dummy");
        // section 1 is .modinfo: offset at +24, size at +32
        assertTrue(refusal(Elf.withSectionField(good, 1, 24, good.length + 1L)).contains("past the end"));
        assertTrue(refusal(Elf.withSectionField(good, 1, 32, -1L)).contains("past the end"));
        assertTrue(refusal(Elf.withSectionField(good, 1, 32, good.length)).contains("past the end"));
        byte[] wrapped = Elf.withSectionField(Elf.withSectionField(good, 1, 24, 16), 1, 32, -8L);
        assertTrue(refusal(wrapped).contains("past the end"));
    }

    @Test
    public void aBrokenSectionNameTableIsRefused() {
        byte[] good = Elf.module("dummy");
        int table = 3; // null, .modinfo, this_module, .shstrtab
        assertTrue(refusal(Elf.withSectionField(good, table, 32, 0)).contains("name table"));
        byte[] shortened = Elf.withSectionField(good, table, 32, 5); // ends inside ".modinfo"
        assertTrue(refusal(shortened).contains("not NUL-terminated") || refusal(shortened).contains("past the name table"));
        byte[] badName = good.clone();
        java.nio.ByteBuffer.wrap(badName).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt((int) (java.nio.ByteBuffer.wrap(good).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(40) + 64), 100000);
        assertTrue(refusal(badName).contains("past the name table"));
    }

    @Test
    public void everyTruncationIsRefused() {
        byte[] good = Elf.module("dummy");
        for (int length = 0; length < good.length; length++) {
            byte[] cut = Arrays.copyOf(good, length);
            try {
                name(cut);
                fail("a module image cut to " + length + " of " + good.length + " bytes was read");
            } catch (NotAModuleException expected) {
                // ENOEXEC
            }
        }
    }

    @Test
    public void randomCorruptionGivesANameOrARefusalNeverAnythingElse() {
        byte[] good = Elf.module("dummy");
        Random random = new Random(15);
        for (int round = 0; round < 20_000; round++) {
            byte[] bad = good.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            try {
                String name = name(bad);
                assertTrue(name, ModuleImage.NAME.matcher(name).matches());
            } catch (NotAModuleException expected) {
                // ENOEXEC
            } catch (RuntimeException e) {
                throw new AssertionError("round " + round + ": " + e, e);
            }
        }
    }

    @Test
    public void thisModulesNameOffsetIsDocumented() {
        // enum module_state (4, padded to 8) + struct list_head (16): x86_64 and every 64-bit kernel
        assertEquals(24, ModuleImage.THIS_MODULE_NAME_OFFSET);
        assertEquals(64 - 8, ModuleImage.THIS_MODULE_NAME_LEN);
    }
}
