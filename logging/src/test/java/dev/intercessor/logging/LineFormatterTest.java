package dev.intercessor.logging;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.Test;

public class LineFormatterTest {

    private static LogRecord record(Level level, String message) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("dev.intercessor.core.dispatch");
        r.setInstant(ZonedDateTime.of(2026, 12, 1, 10, 0, 0, 123_000_000, ZoneId.systemDefault()).toInstant());
        return r;
    }

    @Test
    public void aForgedLineStaysOnItsRecordsLine() {
        String path = "/tmp/x\n2026-12-01 10:00:00.000 SEVERE  dev.intercessor.core: forged";
        String line = new LineFormatter((String) null).format(record(Level.INFO, "it-a 7 mount refused by mount: "
                + path + " is not an image file"));
        assertEquals("2026-12-01 10:00:00.123 INFO    dev.intercessor.core.dispatch: it-a 7 mount refused by mount: "
                + "/tmp/x\\n2026-12-01 10:00:00.000 SEVERE  dev.intercessor.core: forged is not an image file\n", line);
    }

    @Test
    public void terminalControlsShowAsEscapes() {
        assertEquals("a\\x1b[2Jb\\r\\tc\\x7f\\x00\\u009b\\u202e\\u2028d",
                LogText.escape("a\u001b[2Jb\r\tc\u007f\u0000\u009b\u202e\u2028d"));
        String plain = "/dev/null äöü 𝄞 \\n";
        assertEquals("printable text, non-ASCII and backslashes stay as they are", plain, LogText.escape(plain));
        assertEquals("null", LogText.escape(null));
    }

    @Test
    public void anExceptionAndItsMessageAreOnTheRecordsLine() {
        LogRecord r = record(Level.SEVERE, "handler mknod failed");
        r.setThrown(new IOException("bad\npath", new IllegalStateException("cause\u001b]0;title\u0007")));
        String line = new LineFormatter((String) null).format(r);
        assertTrue(line, line.startsWith("2026-12-01 10:00:00.123 SEVERE  dev.intercessor.core.dispatch: handler mknod "
                + "failed\\njava.io.IOException: bad\\npath\\n\\tat dev.intercessor.logging.LineFormatterTest."));
        assertTrue(line, line.contains("Caused by: java.lang.IllegalStateException: cause\\x1b]0;title\\x07\\n"));
        assertEquals("one record, one line", line.length() - 1, line.indexOf('\n'));
        assertFalse(line.contains("\u001b"));
    }

    @Test
    public void theFormatIsSimpleFormattersAndABadOneFallsBack() {
        assertEquals("INFO|x\\ny\n", new LineFormatter("%4$s|%5$s%n").format(record(Level.INFO, "x\ny")));
        assertEquals(new LineFormatter((String) null).format(record(Level.INFO, "x")),
                new LineFormatter("%9$s %q").format(record(Level.INFO, "x")));
    }

    @Test
    public void messageParametersAreFilledInBeforeEscaping() {
        LogRecord r = record(Level.WARNING, "container {0} attached");
        r.setParameters(new Object[] {"evil\r\nid"});
        r.setInstant(Instant.EPOCH);
        String line = new LineFormatter("%5$s").format(r);
        assertEquals("container evil\\r\\nid attached\n", line);
    }
}
