package dev.intercessor.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.Test;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.Decision;
import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.admin.PolicyEntry;
import dev.intercessor.admin.PolicyEntry.Source;
import dev.intercessor.admin.SyscallStats;

public class AdminTextTest {

    private static final Instant ATTACHED = Instant.parse("2026-11-29T10:42:13Z");
    private final AdminText text = new AdminText(ZoneOffset.UTC, ATTACHED.plusSeconds(192));

    private static ContainerInfo container(String id, long seen, List<Integer> processes) {
        return new ContainerInfo(id, "1.0.2", 4711, List.of(4711, 4790), processes, ATTACHED, seen, seen - 3, 1, 2);
    }

    private static HandlerInfo handler(String name, List<String> problems, List<String> serving) {
        return new HandlerInfo(name, List.of("mknod", "mknodat"), "dev.intercessor.handler.mknod 0.1.0", 42, 0,
                true, false, serving, problems);
    }

    @Test
    public void containersAreATableWithNumbersAlignedRight() {
        RecordList<ContainerInfo> list = new RecordList<>(ContainerInfo.class,
                List.of(container("abc123", 12, List.of()), container("long-container-name", 1200, List.of())));
        assertEquals(String.join("\n",
                "ID                   RUNTIME  INIT  ATTACHED             SEEN  EMULATED  REFUSED  CONTINUED",
                "abc123               1.0.2    4711  2026-11-29 10:42:13    12         9        1          2",
                "long-container-name  1.0.2    4711  2026-11-29 10:42:13  1200      1197        1          2"),
                text.format(list, AdminText.INSPECT));
    }

    @Test
    public void anEmptyListSaysWhatIsMissing() {
        assertEquals("no attached containers",
                text.format(new RecordList<>(ContainerInfo.class, List.of()), AdminText.INSPECT));
        assertEquals("no handlers registered",
                text.format(new RecordList<>(HandlerInfo.class, List.of()), AdminText.INSPECT));
        assertEquals("no calls recorded",
                text.format(new RecordList<>(CallRecord.class, List.of()), AdminText.INSPECT));
    }

    @Test
    public void aPlainListOfRecordsIsATableToo() {
        assertEquals(text.containers(List.of(container("abc123", 12, List.of()))),
                text.format(List.of(container("abc123", 12, List.of())), AdminText.INSPECT));
    }

    @Test
    public void otherObjectsAreLeftToGogo() {
        assertNull(text.format("a string", AdminText.INSPECT));
        assertNull(text.format(List.of(1, 2), AdminText.INSPECT));
        assertNull(text.format(List.of(), AdminText.INSPECT));
        assertNull("inside a line, Gogo writes [a, b] with each part",
                text.format(new RecordList<>(ContainerInfo.class, List.of()), AdminText.LINE));
    }

    @Test
    public void aContainerInDetailHasItsProcessesAgeAndPolicyWithSources() {
        ContainerDetail detail = new ContainerDetail(container("abc123", 12, List.of(4711, 4800, 4801)), List.of(
                new PolicyEntry("mknod.enabled", "false", Source.RUNTIME, "false", Source.RUNTIME),
                new PolicyEntry("setxattr.allowed", "trusted.overlay.opaque=y", Source.METADATA,
                        "trusted.overlay.opaque=y,user.x=1", Source.GLOBAL),
                new PolicyEntry("sched.enabled", null, null, "true", Source.GLOBAL)));
        assertEquals(String.join("\n",
                "container    abc123",
                "runtime      1.0.2",
                "init pid     4711",
                "notify pids  4711 4790",
                "processes    4711 4800 4801",
                "attached     2026-11-29 10:42:13 (for 3m 12s)",
                "calls        seen 12, emulated 9, refused 1, continued 2",
                "",
                "KEY               VALUE                     SOURCE    BOUND                              BOUND BY",
                "mknod.enabled     false                     runtime   false                              runtime",
                "setxattr.allowed  trusted.overlay.opaque=y  metadata  trusted.overlay.opaque=y,user.x=1  global",
                "sched.enabled     -                         -         true                               global"),
                text.format(detail, AdminText.INSPECT));
    }

    @Test
    public void aContainerOnOneLineAndAsAPart() {
        ContainerInfo c = container("abc123", 12, List.of());
        assertEquals("abc123 runtime 1.0.2 init 4711 attached 2026-11-29 10:42:13: seen 12, emulated 9, refused 1, "
                + "continued 2", text.format(c, AdminText.LINE));
        assertEquals("abc123", text.format(c, AdminText.PART));
    }

    @Test
    public void handlersShowStateAndProblems() {
        RecordList<HandlerInfo> list = new RecordList<>(HandlerInfo.class, List.of(
                handler("mknod", List.of(), List.of("mknod", "mknodat")),
                handler(null, List.of("no intercessor.handler property"), List.of())));
        assertEquals(String.join("\n",
                "HANDLER  SYSCALLS       BUNDLE                               STATE     DEFAULT  UNSAFE  PROBLEMS",
                "mknod    mknod,mknodat  dev.intercessor.handler.mknod 0.1.0  serving   on       -       -",
                "(none)   mknod,mknodat  dev.intercessor.handler.mknod 0.1.0  rejected  on       -       "
                        + "no intercessor.handler property"),
                text.format(list, AdminText.INSPECT));
    }

    @Test
    public void statsAreInMicrosecondsNoPercentileExceedsTheMaximumAndUntimedCallsHaveNone() {
        RecordList<SyscallStats> list = new RecordList<>(SyscallStats.class, List.of(
                new SyscallStats("mknod", "mknodat", 1200, 3, 4_100, 12_345, 18_350_000, 17_974_000),
                new SyscallStats(null, "mknodat", 2, 0, 71_000, 2_949_000, 2_949_000, 2_957_000),
                new SyscallStats(null, "getppid", 3, 0, 0, 0, 0, 0)));
        assertEquals(String.join("\n",
                "HANDLER  SYSCALL  CALLS  ERRORS  P50 µs  P90 µs  P99 µs  MAX µs",
                "mknod    mknodat   1200       3     4.1      12   17974   17974",
                "(none)   mknodat      2       0      71    2949    2949    2957",
                "(none)   getppid      3       0       -       -       -       -"),
                text.format(list, AdminText.INSPECT));
    }

    @Test
    public void policyEntriesOnOneLine() {
        assertEquals("mknod.enabled = true (default)",
                text.format(new PolicyEntry("mknod.enabled", "true", Source.DEFAULT), AdminText.INSPECT));
        assertEquals("mknod.enabled=true",
                text.format(new PolicyEntry("mknod.enabled", "true", Source.DEFAULT), AdminText.PART));
        assertEquals("mount.allowed = ext4 (annotation, bound ext4,vfat (global))",
                text.format(new PolicyEntry("mount.allowed", "ext4", Source.ANNOTATION, "ext4,vfat", Source.GLOBAL),
                        AdminText.INSPECT));
    }

    @Test
    public void callsAreStraceLikeLines() {
        CallRecord call = new CallRecord(ATTACHED, "abc123", 4711, "x86_64", "mknodat",
                "AT_FDCWD, \"/dev/null\", S_IFCHR|0666, makedev(1, 3)", "mknod", Decision.EMULATED, 0, "", 0, 41_000);
        assertEquals("abc123 4711 mknodat(AT_FDCWD, \"/dev/null\", S_IFCHR|0666, makedev(1, 3)) = 0 "
                + "[mknod, emulated, 41µs]",
                text.format(new RecordList<>(CallRecord.class, List.of(call)), AdminText.INSPECT));
    }

    @Test
    public void whatAContainerChoseCannotForgeARowOrDriveTheTerminal() {
        // An annotation value, as a pod author may set it: clear the screen, a forged row, a bell.
        PolicyEntry annotation = new PolicyEntry("mknod.enabled", "x\u001b[2J\nsched.enabled  true  operator\u0007",
                Source.ANNOTATION);
        String table = text.format(new RecordList<>(PolicyEntry.class, List.of(annotation)), AdminText.INSPECT)
                .toString();
        assertEquals(String.join("\n",
                "KEY            VALUE                                        SOURCE      BOUND   BOUND BY",
                "mknod.enabled  x\\x1b[2J\\nsched.enabled  true  operator\\x07  annotation  (none)  -"), table);
        assertEquals("mknod.enabled = x\\x1b[2J\\nsched.enabled  true  operator\\x07 (annotation)",
                text.format(annotation, AdminText.INSPECT));
        assertEquals("mknod.enabled=x\\x1b[2J\\nsched.enabled  true  operator\\x07",
                text.format(annotation, AdminText.PART));

        CallRecord call = new CallRecord(ATTACHED, "id\u009b31m\u202e", 4711, "x86_64", "mount",
                "\"/tmp/x\\nforged\", \"/mnt\", \"ext4\", 0, NULL", "mount", Decision.REFUSED, 15, "ENOTBLK", 0, 41_000);
        assertEquals("id\\u009b31m\\u202e 4711 mount(\"/tmp/x\\nforged\", \"/mnt\", \"ext4\", 0, NULL) = -1 ENOTBLK "
                + "[mount, refused, 41µs]",
                text.format(new RecordList<>(CallRecord.class, List.of(call)), AdminText.INSPECT));
        ContainerInfo evil = container("a\rb", 1, List.of());
        assertEquals("a\\rb", text.format(evil, AdminText.PART));
        assertEquals("container    a\\rb", text.format(evil, AdminText.INSPECT).toString().lines().findFirst().get());
    }

    @Test
    public void agesAreShortAndCoarse() {
        AdminText at = new AdminText(ZoneOffset.UTC, ATTACHED);
        assertEquals("0s", at.age(ATTACHED.plusSeconds(5)));
        assertEquals("45s", at.age(ATTACHED.minusSeconds(45)));
        assertEquals("2h 05m", at.age(ATTACHED.minusSeconds(2 * 3600 + 5 * 60 + 59)));
        assertEquals("3d 4h", at.age(ATTACHED.minusSeconds(3 * 86400 + 4 * 3600 + 60)));
    }
}
