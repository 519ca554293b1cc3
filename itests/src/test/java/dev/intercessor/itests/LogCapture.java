package dev.intercessor.itests;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The records one logger (and its children) publishes while the capture is open. */
final class LogCapture extends Handler implements AutoCloseable {

    private final Logger logger;
    /** The logger's own level before the capture, put back by {@link #close}. */
    private final Level level;
    private final Queue<LogRecord> records = new ConcurrentLinkedQueue<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
        this.level = logger.getLevel();
    }

    /** Starts capturing everything {@code loggerName} logs, DEBUG too; {@link #close} stops it. */
    static LogCapture of(String loggerName) {
        LogCapture capture = new LogCapture(Logger.getLogger(loggerName));
        capture.logger.setLevel(Level.ALL);
        capture.logger.addHandler(capture);
        return capture;
    }

    /** @return the messages of the WARNING records captured so far, oldest first */
    List<String> warnings() {
        return records.stream().filter(r -> r.getLevel() == Level.WARNING).map(LogRecord::getMessage).toList();
    }

    /**
     * @return the warnings once one contains {@code text}, or as they are after 5 s (a listener
     *         may log a refusal just after it closed the connection the test waits on)
     */
    List<String> awaitWarning(String text) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (warnings().stream().noneMatch(w -> w.contains(text)) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return warnings();
    }

    /** @return every record captured so far, one per line (level, logger, message): for a failure's message */
    String all() {
        StringBuilder b = new StringBuilder();
        for (LogRecord r : records) {
            b.append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ").append(r.getMessage()).append('\n');
        }
        return b.toString();
    }

    void clear() {
        records.clear();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(level);
    }
}
