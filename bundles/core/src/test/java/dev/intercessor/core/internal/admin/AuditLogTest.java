package dev.intercessor.core.internal.admin;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.intercessor.logging.FileRotation;

import dev.intercessor.admin.CallRecord;
import dev.intercessor.admin.Decision;

public class AuditLogTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void jsonEscapesEverythingThatNeedsIt() {
        CallRecord c = new CallRecord(Instant.parse("2026-11-29T10:00:00Z"), "id\"\\\n\u0001", 7, "x86_64",
                "mknodat", "AT_FDCWD, \"/dev/n\"", "mknod", Decision.REFUSED, 1, "EPERM", 0, 1234);
        assertEquals("{\"time\":\"2026-11-29T10:00:00Z\",\"container\":\"id\\\"\\\\\\n\\u0001\",\"pid\":7,"
                + "\"arch\":\"x86_64\",\"syscall\":\"mknodat\",\"arguments\":\"AT_FDCWD, \\\"/dev/n\\\"\","
                + "\"handler\":\"mknod\",\"decision\":\"refused\",\"errno\":1,\"errnoName\":\"EPERM\","
                + "\"value\":0,\"nanos\":1234}\n", AuditLog.json(c));
    }

    @Test
    public void aSummarySaysWhoseRecordsWereLeftOutAndSinceWhen() {
        assertEquals("{\"time\":\"2026-11-29T10:00:10Z\",\"container\":\"a\\n\",\"suppressed\":4300,"
                + "\"since\":\"2026-11-29T10:00:00.500Z\"}\n", AuditLog.json(Instant.parse("2026-11-29T10:00:10Z"),
                        new ContainerRateLimiter.Suppressed("a\n", 4300, Instant.parse("2026-11-29T10:00:00.500Z"))));
    }

    @Test
    public void rotationShiftsAndDropsTheOldest() throws Exception {
        Path log = tmp.getRoot().toPath().resolve("audit.log");
        for (int i = 1; i <= 4; i++) {
            Files.writeString(log, "gen" + i);
            FileRotation.rotate(log, 2);
        }
        assertFalse(Files.exists(log));
        assertEquals("gen4", Files.readString(log.resolveSibling("audit.log.1")));
        assertEquals("gen3", Files.readString(log.resolveSibling("audit.log.2")));
        assertFalse(Files.exists(log.resolveSibling("audit.log.3")));
        Files.writeString(log, "x");
        FileRotation.rotate(log, 0);
        assertFalse(Files.exists(log));
        assertTrue(Files.exists(log.resolveSibling("audit.log.1")));
    }
}
