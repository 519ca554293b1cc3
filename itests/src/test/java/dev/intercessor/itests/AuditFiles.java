package dev.intercessor.itests;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The audit log's lines across its rotated files, read while the supervisor may be writing and
 * rotating them: a read during which a file moved (audit.log → .1 → .2 …) is read again, so no
 * line is counted twice or missed, and a line still being written is left for the next read.
 */
final class AuditFiles {

    private static final Pattern SUPPRESSED = Pattern.compile("\"suppressed\":(\\d+)");

    private AuditFiles() {
    }

    /** @return the complete lines of every file in {@code dir}, oldest file first */
    static List<String> lines(Path dir) throws IOException {
        while (true) {
            Map<String, Object> before = files(dir);
            List<String> lines = new ArrayList<>();
            try {
                List<String> names = new ArrayList<>(before.keySet());
                names.sort((a, b) -> Integer.compare(generation(b), generation(a))); // .9 … .1, then the live one
                for (String name : names) {
                    String text = new String(Files.readAllBytes(dir.resolve(name)), StandardCharsets.UTF_8);
                    int end = text.lastIndexOf('\n') + 1; // a line without its newline is still being written
                    if (end > 0) {
                        lines.addAll(List.of(text.substring(0, end - 1).split("\n", -1)));
                    }
                }
            } catch (NoSuchFileException e) {
                continue; // rotated meanwhile
            }
            if (before.equals(files(dir))) {
                return lines;
            }
        }
    }

    /** @return file name → file identity (inode) */
    private static Map<String, Object> files(Path dir) throws IOException {
        Map<String, Object> files = new LinkedHashMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.sorted().toList()) {
                try {
                    files.put(p.getFileName().toString(),
                            Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
                } catch (NoSuchFileException e) {
                    // rotated away between list and stat: the next comparison catches it
                }
            }
        }
        return files;
    }

    /** audit.log → 0, audit.log.N → N */
    private static int generation(String name) {
        int dot = name.lastIndexOf('.');
        String suffix = name.substring(dot + 1);
        return suffix.matches("\\d+") ? Integer.parseInt(suffix) : 0;
    }

    /** @return the container's call records */
    static List<String> records(List<String> lines, String containerId) {
        String needle = "\"container\":\"" + containerId + "\",\"pid\":";
        return lines.stream().filter(l -> l.contains(needle)).toList();
    }

    /** @return the container's summary lines */
    static List<String> summaries(List<String> lines, String containerId) {
        String needle = "\"container\":\"" + containerId + "\",\"suppressed\":";
        return lines.stream().filter(l -> l.contains(needle)).toList();
    }

    /** @return the sum of the container's summary lines' suppressed counts */
    static long suppressed(List<String> lines, String containerId) {
        long n = 0;
        for (String line : summaries(lines, containerId)) {
            Matcher m = SUPPRESSED.matcher(line);
            assertTrue(line, m.find());
            n += Long.parseLong(m.group(1));
        }
        return n;
    }
}
