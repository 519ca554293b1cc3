package dev.intercessor.logging;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * The daemon's log file, rotated by size: before a record would take the file beyond
 * {@code maxBytes} it becomes {@code .1}, {@code .1} becomes {@code .2} and so on; the oldest
 * beyond {@code files} goes (the audit log's scheme). Each record is written and flushed at once,
 * so a crash loses nothing that was logged.
 *
 * <p>LogManager properties, prefixed {@code dev.intercessor.logging.RotatingFileHandler.}:
 * {@code path} (default {@code var/log/intercessor.log}, relative to the JVM's working directory:
 * made absolute at once, since a notify thread that has acted as a container's process has a
 * working directory of its own after {@code unshare(CLONE_FS)}, and logs from there),
 * {@code maxBytes} (default 10 MiB), {@code files} (default 5), {@code level} (default
 * {@code ALL}), {@code formatter} (default {@link LineFormatter}). A new file is made 0600.
 */
public class RotatingFileHandler extends Handler {

    private final Path path;
    private final long maxBytes;
    private final int files;
    private OutputStream out;
    private long size;

    public RotatingFileHandler() {
        String prefix = RotatingFileHandler.class.getName() + ".";
        LogManager manager = LogManager.getLogManager();
        this.path = Path.of(property(manager, prefix + "path", "var/log/intercessor.log")).toAbsolutePath();
        this.maxBytes = number(manager, prefix + "maxBytes", 10L * 1024 * 1024);
        this.files = (int) number(manager, prefix + "files", 5);
        String level = manager.getProperty(prefix + "level");
        setLevel(level == null ? Level.ALL : Level.parse(level.trim()));
        setFormatter(formatter(manager.getProperty(prefix + "formatter")));
    }

    public RotatingFileHandler(Path path, long maxBytes, int files) {
        this.path = path.toAbsolutePath();
        this.maxBytes = maxBytes;
        this.files = files;
        setFormatter(new LineFormatter());
    }

    private static String property(LogManager manager, String name, String otherwise) {
        String value = manager.getProperty(name);
        return value == null || value.isBlank() ? otherwise : value.trim();
    }

    private static long number(LogManager manager, String name, long otherwise) {
        String value = manager.getProperty(name);
        try {
            return value == null ? otherwise : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static Formatter formatter(String className) {
        if (className != null && !className.isBlank()) {
            try {
                return (Formatter) ClassLoader.getSystemClassLoader().loadClass(className.trim())
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | ClassCastException e) {
                // as LogManager does with a handler's bad formatter: the default instead
            }
        }
        return new LineFormatter();
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        byte[] line;
        try {
            line = getFormatter().format(record).getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            reportError(null, e, ErrorManager.FORMAT_FAILURE);
            return;
        }
        try {
            if (out != null && size > 0 && size + line.length > maxBytes) {
                closeFile();
                FileRotation.rotate(path, files);
            }
            if (out == null) {
                open();
            }
            out.write(line);
            out.flush();
            size += line.length;
        } catch (IOException e) {
            reportError("cannot write " + path, e, ErrorManager.WRITE_FAILURE);
            closeFile();
        }
    }

    private void open() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        out = Channels.newOutputStream(Files.newByteChannel(path,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
        size = Files.size(path);
    }


    @Override
    public synchronized void flush() {
        // every record is flushed as it is written
    }

    @Override
    public synchronized void close() {
        closeFile();
    }

    private void closeFile() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                reportError("cannot close " + path, e, ErrorManager.CLOSE_FAILURE);
            }
            out = null;
        }
    }
}
