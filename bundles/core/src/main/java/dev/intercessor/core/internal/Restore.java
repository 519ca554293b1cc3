package dev.intercessor.core.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.intercessor.core.internal.dispatch.Channels;
import dev.intercessor.core.internal.dispatch.Dispatcher;
import dev.intercessor.core.internal.dispatch.HandlerBinding;
import dev.intercessor.core.internal.dispatch.HandlerRegistry;
import dev.intercessor.core.internal.dispatch.Sessions;
import dev.intercessor.core.internal.keep.FdKeeper;
import dev.intercessor.core.internal.keep.InFlight;
import dev.intercessor.core.internal.linux.LinuxException;

/**
 * Carries the running containers over a restart: the fd keeper holds their notify fds, the
 * in-flight journal the calls being decided, and a file beside the keeper's socket names the
 * handlers this run has, for the next run to wait for before it serves the fds it takes back.
 */
final class Restore {

    private static final Logger LOG = System.getLogger("dev.intercessor.core");

    private final HandlerRegistry registry;
    private final FdKeeper keeper;
    private final Path handlersFile;
    private final Path inFlightFile;
    /** The handlers the last run had, read once, before this run writes. */
    private final Set<String> expected;
    private InFlight inFlight;
    private Dispatcher dispatcher;
    private Channels channels;
    /** Kept channels taken back and not served yet: waiting for the expected handlers. Guarded by this. */
    private boolean pending;
    private long started;
    private ScheduledExecutorService timer;

    private Restore(HandlerRegistry registry, FdKeeper keeper, Path handlersFile, Path inFlightFile, Set<String> expected) {
        this.registry = registry;
        this.keeper = keeper;
        this.handlersFile = handlersFile;
        this.inFlightFile = inFlightFile;
        this.expected = expected;
    }

    /** Connects to the keeper at {@code socket}, starting {@code program} if none listens there. */
    static Restore connect(String socket, Path program, HandlerRegistry registry) throws IOException, LinuxException {
        Path handlersFile = Path.of(socket + ".handlers");
        Set<String> expected = readHandlers(handlersFile); // before anything of this run is written
        return new Restore(registry, FdKeeper.connect(Path.of(socket), program), handlersFile,
                Path.of(socket + ".inflight"), expected);
    }

    private static Set<String> readHandlers(Path file) {
        if (!Files.isRegularFile(file)) {
            return Set.of();
        }
        try {
            return Set.copyOf(Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read " + file + ": " + e.getMessage());
            return Set.of();
        }
    }

    /**
     * Keeps every channel attached from now on, answers EINTR to the calls the last run was
     * deciding when it ended, and takes back the channels it kept: they are served once the
     * handlers it had are bound ({@link #handlersChanged}), at most after {@code waitMillis}.
     */
    void takeBack(Channels channels, Sessions sessions, Dispatcher dispatcher, int waitMillis) throws IOException {
        this.channels = channels;
        this.dispatcher = dispatcher;
        channels.keepWith(keeper);
        List<InFlight.Call> leftOver = new ArrayList<>();
        inFlight = InFlight.open(inFlightFile, leftOver);
        dispatcher.recordInFlight(inFlight);
        int taken = channels.restore(keeper.all());
        if (!leftOver.isEmpty()) {
            int answered = channels.answerLeftOver(leftOver);
            LOG.log(answered > 0 ? Level.WARNING : Level.INFO, "the last run ended while deciding " + leftOver.size()
                    + " call(s); " + answered + " still waited and are answered EINTR");
        }
        if (taken == 0) {
            return;
        }
        synchronized (this) {
            pending = true;
            started = System.nanoTime();
        }
        LOG.log(Level.INFO, "took back " + taken + " notify fd(s) of " + sessions.all().size() + " running "
                + "container(s) from the fd keeper; served once handlers " + expected + " are here (at most "
                + waitMillis + " ms)");
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "intercessor-restore");
            t.setDaemon(true);
            return t;
        });
        timer.schedule(() -> serveTakenBack(true), waitMillis, TimeUnit.MILLISECONDS);
        serveTakenBack(false);
    }

    /** A handler came or went: the channels taken back may be served now. */
    void handlersChanged() {
        serveTakenBack(false);
    }

    /** Serves the channels taken back once every expected handler is bound, or at the deadline. */
    private void serveTakenBack(boolean deadline) {
        Set<String> missing;
        synchronized (this) {
            if (!pending) {
                return;
            }
            missing = new TreeSet<>(expected);
            for (HandlerBinding b : registry.bindings()) {
                missing.remove(b.name());
            }
            if (!missing.isEmpty() && !deadline) {
                return;
            }
            pending = false;
        }
        long waited = (System.nanoTime() - started) / 1_000_000;
        if (missing.isEmpty()) {
            LOG.log(Level.INFO, "serving the containers taken back (their calls waited " + waited + " ms for the handlers)");
        } else {
            LOG.log(Level.WARNING, "serving the containers taken back without handlers " + missing + " (not here after "
                    + waited + " ms)");
        }
        channels.serveRestored();
    }

    /**
     * Writes the handlers bound now next to the keeper's socket, for the next run to wait for
     * (not while the framework stops: its handlers leave first, and would seem gone for good).
     */
    void writeHandlers() {
        StringBuilder names = new StringBuilder();
        new TreeSet<>(registry.bindings().stream().map(HandlerBinding::name).filter(Objects::nonNull).toList())
                .forEach(n -> names.append(n).append('\n'));
        try {
            Path tmp = handlersFile.resolveSibling(handlersFile.getFileName() + ".tmp");
            Files.writeString(tmp, names);
            Files.move(tmp, handlersFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "cannot write " + handlersFile + ": " + e.getMessage());
        }
    }

    /** Stops waiting for handlers (the supervisor stops). */
    void cancel() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /**
     * After serving has stopped: the keeper holds on to the running containers' fds for the next
     * run; with none running, nothing is left for a next run (no state behind).
     */
    void close(boolean containersRun) {
        if (inFlight != null) {
            dispatcher.recordInFlight(null);
            inFlight.close(); // its file stays: a slow call still deciding is the next run's to answer
        }
        if (containersRun) {
            keeper.close();
            return;
        }
        try {
            Files.deleteIfExists(handlersFile);
            Files.deleteIfExists(inFlightFile);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "cannot remove " + handlersFile + ": " + e.getMessage());
        }
        keeper.closeEmpty();
    }
}
