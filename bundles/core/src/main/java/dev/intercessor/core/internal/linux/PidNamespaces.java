package dev.intercessor.core.internal.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds a thread by the pid another pid namespace knows it by, from the host's /proc. */
final class PidNamespaces {

    private static final Path PROC = Path.of("/proc");

    private PidNamespaces() {
    }

    /**
     * @param namespace the pid namespace, as {@code readlink /proc/<pid>/ns/pid} prints it
     * @param nsPid     a thread id inside that namespace
     * @return the thread's host tid, or -1 if no thread of that namespace has it
     */
    static int hostTid(String namespace, int nsPid) {
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path process : processes) {
                if (!namespace.equals(link(process.resolve("ns/pid")))) {
                    continue; // threads share their process's pid namespace
                }
                try (DirectoryStream<Path> tasks = Files.newDirectoryStream(process.resolve("task"), "[0-9]*")) {
                    for (Path task : tasks) {
                        if (innermostPid(task.resolve("status")) == nsPid) {
                            return Integer.parseInt(task.getFileName().toString());
                        }
                    }
                } catch (IOException e) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** @return whether host thread {@code hostTid} is {@code nsPid} of pid namespace {@code namespace} */
    static boolean is(int hostTid, String namespace, int nsPid) {
        Path task = PROC.resolve(Integer.toString(hostTid));
        return namespace.equals(link(task.resolve("ns/pid"))) && innermostPid(task.resolve("status")) == nsPid;
    }

    private static String link(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** @return the last NSpid entry: the id in the innermost namespace, -1 if unreadable */
    static int innermostPid(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("NSpid:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Integer.parseInt(f[f.length - 1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
