package dev.intercessor.core.internal.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;

import dev.intercessor.api.Capability;
import dev.intercessor.api.Credentials;

/**
 * Pure parsing only: this test must not load {@code Linux}, {@code Seccomp} or
 * {@code CallerIdentity}, whose static initialisers load native code.
 */
public class ProcStatusTest {

    /** {@code /proc/<pid>/status} of a process in a user namespace, as a 6.x kernel prints it. */
    private static final String STATUS = String.join("\n",
            "Name:\tmknod",
            "Umask:\t0027",
            "State:\tR (running)",
            "Tgid:\t4242",
            "Ngid:\t0",
            "Pid:\t4242",
            "PPid:\t4200",
            "TracerPid:\t0",
            "Uid:\t100000\t100001\t100002\t100003",
            "Gid:\t200000\t200001\t200002\t200003",
            "FDSize:\t64",
            "Groups:\t200000 200010 ",
            "NStgid:\t4242\t1",
            "NSpid:\t4242\t1",
            "NSpgid:\t4242\t1",
            "NSsid:\t4242\t1",
            "Kthread:\t0",
            "VmPeak:\t    2380 kB",
            "VmSize:\t    2380 kB",
            "VmRSS:\t     896 kB",
            "Threads:\t1",
            "SigQ:\t0/62749",
            "SigPnd:\t0000000000000000",
            "ShdPnd:\t0000000000000000",
            "SigBlk:\t0000000000000000",
            "SigIgn:\t0000000000000000",
            "SigCgt:\t0000000000000000",
            "CapInh:\t0000000000000000",
            "CapPrm:\t000001ffffffffff",
            "CapEff:\t00000000a80425fb",
            "CapBnd:\t000001ffffffffff",
            "CapAmb:\t0000000000000000",
            "NoNewPrivs:\t1",
            "Seccomp:\t2",
            "Seccomp_filters:\t1",
            "Speculation_Store_Bypass:\tthread vulnerable",
            "SpeculationIndirectBranch:\tconditional enabled",
            "Cpus_allowed:\tff",
            "Cpus_allowed_list:\t0-7",
            "Mems_allowed:\t00000000,00000001",
            "Mems_allowed_list:\t0",
            "voluntary_ctxt_switches:\t0",
            "nonvoluntary_ctxt_switches:\t1",
            "");

    @Test
    public void userIdsAreRealEffectiveAndFilesystem() {
        Credentials c = ProcStatus.parse(STATUS);
        assertEquals(100000, c.uid());
        assertEquals(100001, c.euid());
        assertEquals(100003, c.fsuid()); // 4th field; the 3rd is the saved id
    }

    @Test
    public void boundingSetIsHex() {
        assertEquals(0x1ffffffffffL, ProcStatus.boundingSet(STATUS));
        assertEquals(0xa80425fbL, ProcStatus.boundingSet("CapEff:\t0\nCapBnd:\t00000000a80425fb\n"));
        try {
            ProcStatus.boundingSet(STATUS.replace("CapBnd:", "CapXyz:"));
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException expected) {
            // ok
        }
    }

    @Test
    public void groupIdsAreRealEffectiveAndFilesystem() {
        Credentials c = ProcStatus.parse(STATUS);
        assertEquals(200000, c.gid());
        assertEquals(200001, c.egid());
        assertEquals(200003, c.fsgid());
    }

    @Test
    public void effectiveCapabilitiesAreHex() {
        Credentials c = ProcStatus.parse(STATUS);
        assertEquals(0xa80425fbL, c.capEffective());
        assertTrue(c.has(Capability.MKNOD));
        assertTrue(c.has(Capability.CHOWN));
        assertFalse(c.has(Capability.SYS_ADMIN));
    }

    @Test
    public void otherCapabilitySetsAreNotMistakenForTheEffectiveSet() {
        // CapPrm and CapBnd are full; only CapEff counts.
        assertFalse(ProcStatus.parse(STATUS).has(Capability.SYS_ADMIN));
    }

    @Test
    public void umaskIsOctal() {
        assertEquals(027, ProcStatus.parse(STATUS).umask());
        assertEquals(0, ProcStatus.parse(STATUS.replace("Umask:\t0027", "Umask:\t0000")).umask());
        assertEquals(0777, ProcStatus.parse(STATUS.replace("Umask:\t0027", "Umask:\t0777")).umask());
    }

    @Test
    public void rootWithFullCapabilitiesOfCurrentKernels() {
        String s = STATUS.replace("Uid:\t100000\t100001\t100002\t100003", "Uid:\t0\t0\t0\t0")
                .replace("Gid:\t200000\t200001\t200002\t200003", "Gid:\t0\t0\t0\t0")
                .replace("CapEff:\t00000000a80425fb", "CapEff:\t000001ffffffffff")
                .replace("Umask:\t0027", "Umask:\t0022");
        assertEquals(new Credentials(0, 0, 0, 0, 0, 0, 0x1ffffffffffL, 022), ProcStatus.parse(s));
    }

    @Test
    public void noCapabilitiesIsZeroNotMissing() {
        String s = STATUS.replace("CapEff:\t00000000a80425fb", "CapEff:\t0000000000000000");
        assertEquals(0L, ProcStatus.parse(s).capEffective());
    }

    @Test
    public void fieldOrderDoesNotMatter() {
        String s = "CapEff:\t0000000000000001\nGid:\t1\t2\t3\t4\nUmask:\t0002\nUid:\t5\t6\t7\t8";
        assertEquals(new Credentials(5, 6, 8, 1, 2, 4, 1L, 2), ProcStatus.parse(s));
    }

    @Test
    public void spacesAroundValuesAreTolerated() {
        String s = "Uid:  5 6  7\t 8 \nGid:\t1\t2\t3\t4\t\nCapEff:   0000000000000001  \nUmask:  0002 ";
        assertEquals(new Credentials(5, 6, 8, 1, 2, 4, 1L, 2), ProcStatus.parse(s));
    }

    @Test
    public void keysMustMatchExactly() {
        // A process name that looks like a field, and prefixed keys such as NSpid, are not the field.
        String s = STATUS.replace("Name:\tmknod", "Name:\tUid: 0 0 0 0")
                .replace("NSpid:\t4242\t1", "XUid:\t0\t0\t0\t0\nuid:\t0\t0\t0\t0");
        assertEquals(100000, ProcStatus.parse(s).uid());
    }

    @Test
    public void overflowIdPrintsAsUnsignedAndIsKept() {
        String s = STATUS.replace("Uid:\t100000\t100001\t100002\t100003", "Uid:\t65534\t65534\t65534\t65534");
        assertEquals(65534, ProcStatus.parse(s).uid());
    }

    @Test
    public void missingUidIsRefused() {
        assertRefused(STATUS.replace("Uid:\t100000\t100001\t100002\t100003\n", ""));
    }

    @Test
    public void missingGidIsRefused() {
        assertRefused(STATUS.replace("Gid:\t200000\t200001\t200002\t200003\n", ""));
    }

    @Test
    public void missingCapEffIsRefused() {
        assertRefused(STATUS.replace("CapEff:\t00000000a80425fb\n", ""));
    }

    @Test
    public void missingUmaskIsRefused() {
        // Kernels before 4.7 print no Umask line.
        assertRefused(STATUS.replace("Umask:\t0027\n", ""));
    }

    @Test
    public void emptyTextIsRefused() {
        assertRefused("");
        assertRefused("\n\n");
        assertRefused("Name:\tx\nState:\tR (running)\n");
    }

    @Test
    public void idLinesNeedFourIds() {
        assertRefused(STATUS.replace("Uid:\t100000\t100001\t100002\t100003", "Uid:\t100000\t100001\t100002"));
        assertRefused(STATUS.replace("Gid:\t200000\t200001\t200002\t200003",
                "Gid:\t200000\t200001\t200002\t200003\t5"));
        assertRefused(STATUS.replace("Uid:\t100000\t100001\t100002\t100003", "Uid:\t"));
    }

    @Test
    public void malformedFieldsAreRefused() {
        assertRefused(STATUS.replace("Uid:\t100000\t100001", "Uid:\tabc\t100001"));
        assertRefused(STATUS.replace("CapEff:\t00000000a80425fb", "CapEff:\tnothex"));
        assertRefused(STATUS.replace("CapEff:\t00000000a80425fb", "CapEff:\t1ffffffffffffffff"));
        assertRefused(STATUS.replace("Umask:\t0027", "Umask:\t0089"));
        assertRefused(STATUS.replace("Umask:\t0027", "Umask:\t"));
    }

    @Test
    public void allSixtyFourCapabilityBitsAreAValidMask() {
        String s = STATUS.replace("CapEff:\t00000000a80425fb", "CapEff:\tffffffffffffffff");
        assertEquals(-1L, ProcStatus.parse(s).capEffective());
    }

    private static void assertRefused(String status) {
        try {
            Credentials c = ProcStatus.parse(status);
            fail("accepted as " + c);
        } catch (IllegalArgumentException expected) {
            // refused
        }
    }
}
