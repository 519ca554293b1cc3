package dev.intercessor.shell.client;

import java.io.IOException;
import java.io.PrintStream;

/**
 * Ctrl-C in an interactive session: interrupts the command running on the server (such as
 * {@code trace -f}); at the prompt, starts a new line, as a shell does.
 */
final class InterruptKey {

    private final ShellClient client;
    private final PrintStream terminal;
    private final String prompt;
    private volatile boolean running;

    private InterruptKey(ShellClient client, PrintStream terminal, String prompt) {
        this.client = client;
        this.terminal = terminal;
        this.prompt = prompt;
    }

    /** @return the installed handler, or {@code null} if SIGINT cannot be caught (then it ends the client) */
    static InterruptKey install(ShellClient client, PrintStream terminal, String prompt) {
        InterruptKey key = new InterruptKey(client, terminal, prompt);
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> key.pressed());
            return key;
        } catch (LinkageError | IllegalArgumentException e) {
            return null;
        }
    }

    void running(boolean running) {
        this.running = running;
    }

    private void pressed() {
        if (!running) {
            terminal.print(System.lineSeparator() + prompt);
            terminal.flush();
            return;
        }
        try {
            client.interrupt();
        } catch (IOException e) {
            // the connection is gone: the command's end (or its loss) is reported where it is read
        }
    }
}
