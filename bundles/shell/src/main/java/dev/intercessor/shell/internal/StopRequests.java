package dev.intercessor.shell.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ctrl-C for the commands of this bundle that run until told to stop ({@code trace -f}), without
 * interrupting their thread. Gogo interrupts a command's thread to stop it, and a thread
 * interrupted while it writes closes the channel it writes to (an {@code InterruptibleChannel}):
 * the session's output, for every later command. A command that registers here is asked to stop
 * instead, and ends on its own.
 */
public final class StopRequests {

    private final Set<Runnable> listeners = ConcurrentHashMap.newKeySet();

    /** @return closing it unregisters {@code stop} */
    AutoCloseable register(Runnable stop) {
        listeners.add(stop);
        return () -> listeners.remove(stop);
    }

    /** @return whether a command was listening (and was asked to stop) */
    boolean fire() {
        boolean any = false;
        for (Runnable stop : listeners) {
            stop.run();
            any = true;
        }
        return any;
    }
}
