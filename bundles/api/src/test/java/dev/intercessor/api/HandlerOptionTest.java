package dev.intercessor.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.regex.Pattern;

import org.junit.Test;

public class HandlerOptionTest {

    private static final HandlerOption<Boolean> SHIFT = HandlerOption.bool("mount.shift", false, "shift ids");
    private static final HandlerOption<Long> MAX = HandlerOption.number("bpf.maxPrograms", 64, 0, 4096, "programs");
    private static final HandlerOption<List<String>> ALLOWED = HandlerOption.list("mount.allowed", List.of(),
            Pattern.compile("[a-z0-9.]+"), "filesystems");
    private static final HandlerOption<String> RELEASE = HandlerOption.text("uname.release", "6.1.0",
            Pattern.compile("[0-9A-Za-z.+_-]*"), 64, "release");

    @Test
    public void parsesEachTypeOnce() {
        assertEquals(Boolean.TRUE, SHIFT.parse(" Yes "));
        assertEquals(Boolean.FALSE, SHIFT.parse("0"));
        assertEquals(Long.valueOf(5), MAX.parse(" 5"));
        assertEquals(List.of("ext4", "vfat"), ALLOWED.parse(" ext4, ,vfat "));
        assertEquals("4.19.0", RELEASE.parse("4.19.0"));
    }

    @Test
    public void saysWhatIsWrongWithABadValue() {
        assertEquals("'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)", SHIFT.problem("maybe"));
        assertEquals("'lots' is not a whole number", MAX.problem("lots"));
        assertEquals("5000 is out of bounds [0, 4096]", MAX.problem("5000"));
        assertEquals("-1 is out of bounds [0, 4096]", MAX.problem("-1"));
        assertEquals("element 'EXT4;' does not match [a-z0-9.]+", ALLOWED.problem("ext4,EXT4;"));
        assertEquals("'4.19\n' does not match [0-9A-Za-z.+_-]*", RELEASE.problem("4.19\n"));
        assertEquals("longer than 64 characters", RELEASE.problem("1".repeat(65)));
        assertNull(MAX.problem("4096"));
        try {
            MAX.parse("lots");
            fail("parsed a bad value");
        } catch (IllegalArgumentException e) {
            assertEquals("bpf.maxPrograms: 'lots' is not a whole number", e.getMessage());
        }
    }

    @Test
    public void narrowsByItsType() {
        assertEquals("false", SHIFT.narrow("true", "false"));
        assertEquals("true", SHIFT.narrow("on", "true"));
        assertEquals("false", SHIFT.narrow("no", "true"));
        assertEquals("8", MAX.narrow("100", "8"));
        assertEquals("3", MAX.narrow("3", "8"));
        assertEquals("ext4", ALLOWED.narrow("ext4,btrfs", "vfat,ext4"));
        assertEquals("4.19.0", RELEASE.narrow("4.19.0", "5.10.0,4.19.0"));
        assertNull("a text the bound does not list", RELEASE.narrow("9.9.9", "5.10.0,4.19.0"));
        assertNull("not a value of the option", MAX.narrow("lots", "8"));
        assertNull("out of the option's bounds", MAX.narrow("-5", "8"));
    }

    @Test
    public void aTextOptionsBoundIsAListOfValuesEachCheckedAlone() {
        assertNull(RELEASE.boundProblem("5.10.0,4.19.0"));
        assertEquals("'4.19 x' does not match [0-9A-Za-z.+_-]*", RELEASE.boundProblem("5.10.0,4.19 x"));
        assertEquals("'lots' is not a whole number", MAX.boundProblem("lots"));
    }

    @Test
    public void formatsWhatParseReads() {
        assertEquals("ext4,vfat", ALLOWED.format(List.of("ext4", "vfat")));
        assertEquals(List.of("ext4", "vfat"), ALLOWED.parse(ALLOWED.format(List.of("ext4", "vfat"))));
        assertEquals("64", MAX.defaultText());
        assertEquals("", ALLOWED.defaultText());
        assertEquals("bpf", MAX.handler());
    }

    @Test
    public void refusesADeclarationThatCannotWork() {
        for (Runnable bad : List.<Runnable>of(
                () -> HandlerOption.number("bpf.max", 10, 20, 30, "default below min"),
                () -> HandlerOption.number("bpf.max", 10, 30, 20, "min above max"),
                () -> HandlerOption.bool("noDot", true, "key without an option part"),
                () -> HandlerOption.bool("Mount.shift", true, "upper-case handler"),
                () -> HandlerOption.text("uname.release", "x".repeat(10), null, 5, "default too long"))) {
            try {
                bad.run();
                fail("declared");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), !e.getMessage().isEmpty());
            }
        }
    }

    @Test
    public void aPolicyGivesTheDefaultForAValueTheOptionRefuses() {
        Policy p = new Policy() {
            @Override
            public String containerId() {
                return "c";
            }

            @Override
            public java.util.Optional<String> get(String key) {
                return java.util.Optional.of(key.equals("bpf.maxPrograms") ? "lots" : "7");
            }

            @Override
            public boolean getBoolean(String key, boolean defaultValue) {
                return defaultValue;
            }

            @Override
            public List<String> getList(String key) {
                return List.of();
            }
        };
        assertEquals(Long.valueOf(64), p.value(MAX));
        assertEquals(Long.valueOf(7), p.value(HandlerOption.number("bpf.other", 1, 0, 10, "x")));
    }
}
