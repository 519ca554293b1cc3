package dev.intercessor.core.internal.logbridge;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * The OSGi log service's errors and warnings, in the daemon's log: Felix SCR reports a component
 * that failed to activate (its activate method threw, a configuration value of the wrong type)
 * only to the log service, and FileInstall a bundle it could not install; java.util.logging, which
 * writes {@code var/log/intercessor.log} (or the console's terminal), never sees them otherwise.
 *
 * <p>Each entry becomes one record of the logger {@code osgi.log.<bundle symbolic name>}: SEVERE
 * for an error, WARNING for a warning, the message followed by the innermost cause, the exception
 * attached. Entries logged before this component listened (another component may fail first) are
 * forwarded when it activates; a mark in the bundle's data area keeps a restart of the bundle
 * from forwarding them again. Not a service: it listens to the log service itself.
 *
 * <p>The log service is optional: in Karaf, pax-logging has the log service's entries already and
 * the core must resolve without this distribution's log bundle.
 */
@Component(service = {}, immediate = true)
public class OsgiLogBridge implements LogListener {

    static final String LOGGER_PREFIX = "osgi.log.";
    /** The log service's copy of an exception: its message is the original's class and message. */
    private static final String FELIX_EXCEPTION_COPY = "org.apache.felix.log.LogException";
    private static final String MARK_FILE = "osgi-log-forwarded-until";

    private final LogReaderService reader;
    private final Path mark;
    /** Time of the newest entry seen (ms), for the mark. */
    private long newestTime;
    /** Sequence of the newest entry forwarded or passed over, so that none goes twice. */
    private long newestSequence = -1;

    @Activate
    public OsgiLogBridge(@Reference(cardinality = ReferenceCardinality.OPTIONAL,
            policyOption = ReferencePolicyOption.GREEDY) LogReaderService reader, BundleContext context) {
        this.reader = reader;
        java.io.File data = context.getDataFile(MARK_FILE);
        this.mark = data == null ? null : data.toPath();
        if (reader == null) {
            return;
        }
        synchronized (this) {
            long forwardedUntil = readMark();
            reader.addLogListener(this);
            List<LogEntry> earlier = Collections.list(reader.getLog()); // newest first
            Collections.reverse(earlier);
            for (LogEntry entry : earlier) {
                if (entry.getTime() > forwardedUntil) {
                    logged(entry);
                }
            }
        }
    }

    @Deactivate
    synchronized void deactivate() {
        if (reader == null) {
            return;
        }
        reader.removeLogListener(this);
        if (mark != null) {
            try {
                Files.writeString(mark, Long.toString(newestTime));
            } catch (IOException e) {
                System.getLogger(LOGGER_PREFIX + "bridge").log(Level.WARNING, "cannot keep " + mark
                        + ": a restart of the core bundle forwards the log service's earlier entries again: " + e);
            }
        }
    }

    private long readMark() {
        try {
            return mark != null && Files.exists(mark) ? Long.parseLong(Files.readString(mark).trim()) : Long.MIN_VALUE;
        } catch (IOException | NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    @Override
    public synchronized void logged(LogEntry entry) {
        if (entry.getSequence() <= newestSequence) {
            return; // forwarded from the history already
        }
        newestSequence = entry.getSequence();
        newestTime = Math.max(newestTime, entry.getTime());
        Level level = switch (entry.getLogLevel()) {
            case ERROR -> Level.ERROR;
            case WARN -> Level.WARNING;
            default -> null;
        };
        if (level == null) {
            return;
        }
        Bundle bundle = entry.getBundle();
        String name = LOGGER_PREFIX + (bundle == null || bundle.getSymbolicName() == null ? "unknown" : bundle.getSymbolicName());
        Throwable thrown = entry.getException();
        String message = thrown == null ? entry.getMessage() : entry.getMessage() + ": " + describe(innermost(thrown));
        System.getLogger(name).log(level, message, thrown);
    }

    private static Throwable innermost(Throwable thrown) {
        Throwable t = thrown;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** @return the exception's class and message, also of the log service's copy of it */
    static String describe(Throwable t) {
        return t.getClass().getName().equals(FELIX_EXCEPTION_COPY) ? t.getMessage() : t.toString();
    }
}
