package dev.intercessor.core.internal.linux;

import dev.intercessor.api.Credentials;

/** Parses the identity fields of {@code /proc/<pid>/status}. */
public final class ProcStatus {

    private ProcStatus() {
    }

    /**
     * @param status the file's text
     * @return the credentials it states
     * @throws IllegalArgumentException if a field is missing or malformed
     */
    public static Credentials parse(String status) {
        int[] uid = null;
        int[] gid = null;
        long capEff = 0;
        boolean capSeen = false;
        int umask = -1;
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "Uid": uid = ids(value); break;
                case "Gid": gid = ids(value); break;
                case "CapEff": capEff = Long.parseUnsignedLong(value, 16); capSeen = true; break;
                case "Umask": umask = Integer.parseInt(value, 8); break;
                default: break;
            }
        }
        if (uid == null || gid == null || !capSeen || umask < 0) {
            throw new IllegalArgumentException("incomplete /proc/<pid>/status");
        }
        return new Credentials(uid[0], uid[1], uid[3], gid[0], gid[1], gid[3], capEff, umask);
    }

    /**
     * @param status the file's text
     * @return the supplementary groups it lists ({@code Groups:}), as the reader's namespace sees them
     */
    public static int[] groups(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Groups:")) {
                String value = line.substring(7).trim();
                if (value.isEmpty()) {
                    return new int[0];
                }
                String[] parts = value.split("\\s+");
                int[] groups = new int[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    groups[i] = (int) Long.parseLong(parts[i]);
                }
                return groups;
            }
        }
        throw new IllegalArgumentException("no Groups: line in /proc/<pid>/status");
    }

    /**
     * @param status the text of {@code /proc/<pid>/status}
     * @return its capability bounding set ({@code CapBnd})
     * @throws IllegalArgumentException if the field is missing or malformed
     */
    public static long boundingSet(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("CapBnd:")) {
                return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        throw new IllegalArgumentException("no CapBnd in /proc/<pid>/status");
    }

    private static int[] ids(String value) {
        String[] parts = value.split("\\s+");
        if (parts.length != 4) {
            throw new IllegalArgumentException("expected 4 ids, got: " + value);
        }
        int[] ids = new int[4];
        for (int i = 0; i < 4; i++) {
            ids[i] = (int) Long.parseLong(parts[i]);
        }
        return ids;
    }
}
