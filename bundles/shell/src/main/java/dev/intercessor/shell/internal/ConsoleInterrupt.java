package dev.intercessor.shell.internal;

/**
 * Ctrl-C on the local console, while a command that runs until interrupted runs: the console of
 * Gogo 1.1 does not catch SIGINT, so without this Ctrl-C would stop the JVM, the supervisor with
 * it (and every trapped call of every container would fail). While installed, SIGINT runs
 * {@code stop} instead; closing it puts back the handler that was there.
 */
final class ConsoleInterrupt implements AutoCloseable {

    private final Object previous;

    private ConsoleInterrupt(Object previous) {
        this.previous = previous;
    }

    /** @return the installed handler, or {@code null} if SIGINT cannot be caught here */
    static ConsoleInterrupt install(Runnable stop) {
        try {
            sun.misc.Signal sigint = new sun.misc.Signal("INT");
            return new ConsoleInterrupt(sun.misc.Signal.handle(sigint, s -> stop.run()));
        } catch (LinkageError | IllegalArgumentException e) {
            return null; // no sun.misc (optional import), or SIGINT ignored or reserved (-Xrs)
        }
    }

    @Override
    public void close() {
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), (sun.misc.SignalHandler) previous);
    }
}
