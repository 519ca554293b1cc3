package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

/** {@link DeviceCgroupRules}: which block devices a v1 devices.list lets a mount open. */
public class DeviceCgroupRulesTest {

    /** runc's list for a container given /dev/loop3, with its default character devices. */
    private static final String RUNC = "c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\nc 5:0 rwm\n"
            + "c 5:2 rwm\nc 136:* rwm\nb 7:3 rwm\nc 10:200 rwm\nc *:* m\nb *:* m\n";

    private static String refusal(DeviceCgroupRules rules, int major, int minor, boolean write) {
        return assertThrows(SyscallException.class, () -> rules.checkBlock("/dev/x", major, minor, write)).getMessage();
    }

    @Test
    public void aBlockDeviceTheContainerWasGivenIsAllowedForReadingAndWriting() throws Exception {
        DeviceCgroupRules rules = DeviceCgroupRules.parse(RUNC);
        rules.checkBlock("/dev/loop3", 7, 3, true);
        rules.checkBlock("/dev/loop3", 7, 3, false);
    }

    @Test
    public void anyOtherBlockDeviceIsRefusedWithEperm() {
        DeviceCgroupRules rules = DeviceCgroupRules.parse(RUNC);
        SyscallException e = assertThrows(SyscallException.class, () -> rules.checkBlock("/dev/sda", 8, 0, false));
        assertEquals(Errno.EPERM, e.errno());
        assertTrue(e.getMessage(), e.getMessage().contains("/dev/sda (block 8:0, r) refused"));
        refusal(rules, 7, 4, false);
        refusal(rules, 1, 3, false); // a character device's numbers
        refusal(rules, 136, 0, false);
    }

    @Test
    public void theAccessAskedForMustBeInTheRule() throws Exception {
        DeviceCgroupRules rules = DeviceCgroupRules.parse("b 7:3 r\nb 8:* rw\n");
        rules.checkBlock("x", 7, 3, false);
        refusal(rules, 7, 3, true);
        rules.checkBlock("x", 8, 17, true);
        refusal(rules, 9, 17, false);
    }

    @Test
    public void aDefaultAllowCgroupIsRefusedItsDenialsAreNotShown() {
        assertTrue(refusal(DeviceCgroupRules.parse("a *:* rwm\n"), 7, 3, false).contains("allows by default"));
    }

    @Test
    public void anEmptyListOrUnknownRulesAllowNothing() {
        refusal(DeviceCgroupRules.parse(""), 7, 3, false);
        assertTrue(refusal(DeviceCgroupRules.parse("b 7:3 rwx\n"), 7, 3, false).contains("cannot read"));
        assertTrue(refusal(DeviceCgroupRules.parse("b 7:x r\n"), 7, 3, false).contains("cannot read"));
        assertTrue(refusal(DeviceCgroupRules.unknown("no v1"), 7, 3, false).contains("no v1"));
    }
}
