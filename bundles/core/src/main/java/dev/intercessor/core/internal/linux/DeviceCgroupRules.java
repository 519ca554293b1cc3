package dev.intercessor.core.internal.linux;

import java.util.ArrayList;
import java.util.List;

import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

/**
 * What a caller's cgroup v1 {@code devices} controller lets it open, from its {@code devices.list}:
 * asked before the supervisor opens a block device for a mount, which the supervisor's own
 * cgroup would never refuse.
 *
 * <p>Only a deny-by-default list is read as allowing anything. The kernel prints a default-allow
 * cgroup as the single line {@code a *:* rwm} and never shows its exceptions (devcgroup_seq_show),
 * so what such a cgroup denies cannot be known: it is refused. Runtimes (runc, crun) always deny by
 * default and add exceptions. Without a v1 {@code devices} hierarchy the rules are a cgroup v2 BPF
 * program, which cannot be read back: refused as well.
 */
public final class DeviceCgroupRules {

    private record Rule(char type, long major, long minor, String access) {
        boolean allows(char wanted, int major, int minor, String needed) {
            return (type == 'a' || type == wanted) && (this.major < 0 || this.major == Integer.toUnsignedLong(major))
                    && (this.minor < 0 || this.minor == Integer.toUnsignedLong(minor))
                    && needed.chars().allMatch(c -> access.indexOf(c) >= 0);
        }
    }

    private final List<Rule> rules;
    /** Why nothing is allowed, or null. */
    private final String unreadable;

    private DeviceCgroupRules(List<Rule> rules, String unreadable) {
        this.rules = rules;
        this.unreadable = unreadable;
    }

    /** @return rules that allow nothing, for {@code reason} (e.g. no cgroup v1 devices hierarchy) */
    public static DeviceCgroupRules unknown(String reason) {
        return new DeviceCgroupRules(List.of(), reason);
    }

    /** @param devicesList the text of a v1 cgroup's {@code devices.list} */
    public static DeviceCgroupRules parse(String devicesList) {
        List<Rule> rules = new ArrayList<>();
        for (String line : devicesList.split("\n")) {
            String[] f = line.trim().split(" ");
            if (line.isBlank()) {
                continue;
            }
            int colon = f.length == 3 ? f[1].indexOf(':') : -1;
            if (colon < 0 || f[0].length() != 1 || !f[2].matches("[rwm]+")) {
                return unknown("cannot read the device cgroup's rule '" + line.replaceAll("[^\\x20-\\x7e]", "?") + "'");
            }
            char type = f[0].charAt(0);
            if (type == 'a') {
                return unknown("the caller's device cgroup allows by default, and its exceptions cannot be read");
            }
            try {
                rules.add(new Rule(type, number(f[1].substring(0, colon)), number(f[1].substring(colon + 1)), f[2]));
            } catch (NumberFormatException e) {
                return unknown("cannot read the device cgroup's rule '" + line + "'");
            }
        }
        return new DeviceCgroupRules(List.copyOf(rules), null);
    }

    private static long number(String s) {
        return s.equals("*") ? -1 : Long.parseLong(s);
    }

    /**
     * @param what  the source as the caller named it, for the message
     * @param write whether the device is opened for writing too
     * @throws SyscallException {@code EPERM} (the device cgroup's errno) unless an exception of
     *                          the list allows the block device {@code major:minor} for reading,
     *                          and writing if asked
     */
    public void checkBlock(String what, int major, int minor, boolean write) throws SyscallException {
        String needed = write ? "rw" : "r";
        if (unreadable == null && rules.stream().anyMatch(r -> r.allows('b', major, minor, needed))) {
            return;
        }
        throw new SyscallException(Errno.EPERM, what + " (block " + Integer.toUnsignedString(major) + ":"
                + Integer.toUnsignedString(minor) + ", " + needed + ") refused: "
                + (unreadable != null ? unreadable : "the caller's device cgroup does not allow it"));
    }
}
