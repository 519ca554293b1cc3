package dev.intercessor.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.IllegalFormatException;
import java.util.logging.Formatter;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * One log record, one line: {@link java.util.logging.SimpleFormatter}'s fields and format syntax
 * (1 time, 2 source, 3 logger, 4 level, 5 message, 6 a line break and the exception's stack trace,
 * if any), then the whole line passed through {@link LogText#escape}. A container's string in a
 * message or an exception can therefore never start a line of its own, and a stack trace stays on
 * its record's line with its line breaks shown as {@code \n}.
 *
 * <p>The format is the LogManager property {@code dev.intercessor.logging.LineFormatter.format};
 * a trailing {@code %n} is not needed (every record ends with one line feed).
 */
public class LineFormatter extends Formatter {

    static final String DEFAULT_FORMAT = "%1$tF %1$tT.%1$tL %4$-7s %3$s: %5$s%6$s";

    private final String format;

    public LineFormatter() {
        this(LogManager.getLogManager().getProperty(LineFormatter.class.getName() + ".format"));
    }

    /** @param format SimpleFormatter's syntax; {@code null} or invalid: the default */
    public LineFormatter(String format) {
        this.format = valid(format) ? format : DEFAULT_FORMAT;
    }

    private static boolean valid(String format) {
        if (format == null) {
            return false;
        }
        try {
            String.format(format, ZonedDateTime.now(), "", "", "", "", "");
            return true;
        } catch (IllegalFormatException e) {
            return false;
        }
    }

    @Override
    public String format(LogRecord record) {
        ZonedDateTime time = ZonedDateTime.ofInstant(record.getInstant(), ZoneId.systemDefault());
        String source = record.getSourceClassName() == null ? record.getLoggerName()
                : record.getSourceClassName()
                        + (record.getSourceMethodName() == null ? "" : " " + record.getSourceMethodName());
        String thrown = "";
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            PrintWriter out = new PrintWriter(trace);
            out.println();
            record.getThrown().printStackTrace(out);
            out.flush();
            thrown = trace.toString();
        }
        String line = String.format(format, time, source, record.getLoggerName(),
                record.getLevel().getLocalizedName(), formatMessage(record), thrown);
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        return LogText.escape(line.substring(0, end)) + "\n";
    }
}
