package dev.intercessor.shell.internal;

import java.util.Map;

/**
 * What each {@code intercessor:} command accepts, and the refusal of what it does not: Gogo hands
 * an option a command lacks (e.g. {@code trace --bogus}) to it as a positional argument, where it
 * would be taken for a container id. An argument that starts with {@code -} is never one.
 */
final class CommandUsage {

    private static final Map<String, String> USAGE = Map.of(
            "containers", "containers",
            "container", "container ID",
            "handlers", "handlers",
            "options", "options",
            "policy", "policy ID | policy ID KEY VALUE | policy --reset|-r ID KEY",
            "stats", "stats",
            "health", "health",
            "trace", "trace [--follow|-f] [--max|-n N] [ID]");

    private CommandUsage() {
    }

    /** @return the command's usage line */
    static String of(String command) {
        return "usage: " + USAGE.getOrDefault(command, command);
    }

    /**
     * @param words the command's container ids and keys (not values, which may be negative numbers);
     *              {@code null}s are skipped
     * @throws IllegalArgumentException naming the first word that looks like an option, with the
     *                                  usage (the remote shell's client prints it on stderr, exit 1)
     */
    static void refuseOptions(String command, String... words) {
        for (String word : words) {
            if (word != null && word.length() > 1 && word.startsWith("-")) {
                throw refusal(command, "unknown option " + word);
            }
        }
    }

    /** @throws IllegalArgumentException if the command, which takes no arguments, was given some */
    static void refuseArguments(String command, String... words) {
        if (words != null && words.length > 0) {
            refuseOptions(command, words);
            throw refusal(command, "takes no arguments, not '" + String.join(" ", words) + "'");
        }
    }

    private static IllegalArgumentException refusal(String command, String problem) {
        return new IllegalArgumentException(command + ": " + problem + " (" + of(command) + ")");
    }
}
