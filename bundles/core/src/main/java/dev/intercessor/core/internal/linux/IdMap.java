package dev.intercessor.core.internal.linux;

/** {@code /proc/<pid>/uid_map} and {@code gid_map}: lines of "inside outside count". */
public final class IdMap {

    private IdMap() {
    }

    /** @return triples (inside, outside, count), flattened */
    public static long[] parse(String map) {
        String[] lines = map.trim().isEmpty() ? new String[0] : map.trim().split("\n");
        long[] triples = new long[lines.length * 3];
        for (int i = 0; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length != 3) {
                throw new IllegalArgumentException("bad id map line: " + lines[i]);
            }
            for (int k = 0; k < 3; k++) {
                triples[i * 3 + k] = Long.parseLong(f[k]);
            }
        }
        return triples;
    }

    /** @return the id inside that {@code outside} (a host id) maps to, or -1 if none */
    public static long inside(long[] triples, long outside) {
        for (int i = 0; i < triples.length; i += 3) {
            if (outside >= triples[i + 1] && outside - triples[i + 1] < triples[i + 2]) {
                return triples[i] + (outside - triples[i + 1]);
            }
        }
        return -1;
    }
}
