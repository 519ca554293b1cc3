package dev.intercessor.logging;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class RotatingFileHandlerTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static void log(RotatingFileHandler handler, String message) {
        LogRecord r = new LogRecord(Level.INFO, message);
        r.setLoggerName("t");
        handler.publish(r);
    }

    @Test
    public void rotatesBeforeTheLimitAndKeepsTheNewestFiles() throws Exception {
        Path log = tmp.getRoot().toPath().resolve("var/log/intercessor.log");
        RotatingFileHandler handler = new RotatingFileHandler(log, 200, 2);
        handler.setFormatter(new LineFormatter("%5$s")); // one line = message + \n
        String line = "x".repeat(99); // 100 bytes with its line feed: two per file
        for (int i = 1; i <= 7; i++) {
            log(handler, line.substring(1) + i);
        }
        handler.close();
        assertEquals(List.of(line.substring(1) + 7), Files.readAllLines(log));
        assertEquals(List.of(line.substring(1) + 5, line.substring(1) + 6), Files.readAllLines(log.resolveSibling("intercessor.log.1")));
        assertEquals(List.of(line.substring(1) + 3, line.substring(1) + 4), Files.readAllLines(log.resolveSibling("intercessor.log.2")));
        assertFalse("only two rotated files", Files.exists(log.resolveSibling("intercessor.log.3")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
    }

    @Test
    public void continuesAnExistingFileAndCountsItsSize() throws Exception {
        Path log = tmp.getRoot().toPath().resolve("intercessor.log");
        Files.writeString(log, "y".repeat(150) + "\n");
        RotatingFileHandler handler = new RotatingFileHandler(log, 200, 1);
        handler.setFormatter(new LineFormatter("%5$s"));
        log(handler, "a"); // 153 bytes: fits
        log(handler, "b".repeat(60)); // would be 214: rotates first
        handler.close();
        assertTrue(Files.readString(log.resolveSibling("intercessor.log.1")).endsWith("\na\n"));
        assertEquals("b".repeat(60) + "\n", Files.readString(log));
    }

    @Test
    public void aRecordLargerThanTheLimitStillGetsWritten() throws Exception {
        Path log = tmp.getRoot().toPath().resolve("intercessor.log");
        RotatingFileHandler handler = new RotatingFileHandler(log, 10, 1);
        handler.setFormatter(new LineFormatter("%5$s"));
        log(handler, "0123456789abc");
        log(handler, "d");
        handler.close();
        assertEquals("0123456789abc\n", Files.readString(log.resolveSibling("intercessor.log.1")));
        assertEquals("d\n", Files.readString(log));
    }
}
