package dev.intercessor.profile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A seccomp profile (the Docker/Podman/containers-common format, or plain OCI linux.seccomp) that
 * sends syscalls to Intercessor's listener, made from a base profile.
 *
 * <p>The filter a runtime builds keeps the first rule it gets for a syscall: a NOTIFY rule appended
 * after the engine's big SCMP_ACT_ALLOW rule changes nothing. So every rule that lets a notified
 * syscall through (ALLOW, LOG, or an older NOTIFY) loses its name, and one NOTIFY rule at the end
 * names them all. Everything else stays as the base has it, in its order.
 *
 * <p>A syscall the base refuses, always or only in some cases (a blocking rule, perhaps
 * conditional on a capability; or allowed only under conditions, with a blocking defaultAction),
 * is not notified and keeps all its rules: with no handler or its policy off, Intercessor lets the
 * kernel run the call, which would open what the profile closed.
 *
 * @param json        the profile
 * @param notified    the syscalls its NOTIFY rule names
 * @param notes       one line for each requested syscall left as the base has it, and why
 * @param rulesEdited base rules that lost names and still name others
 * @param rulesDropped base rules that lost their last name and were left out
 */
record NotifyProfile(Map<String, Object> json, List<String> notified, List<String> notes, int rulesEdited,
        int rulesDropped) {

    /** The syscalls `intercessor run` sends to the listener unless told otherwise. */
    static final List<String> DEFAULT_SYSCALLS =
            List.of("mknod", "mknodat", "sysinfo", "setxattr", "lsetxattr", "fsetxattr");

    /**
     * The doorbell's ioctl request ({@code libexec/intercessor-init}, 0x7E11BE11): a container
     * process hands the supervisor a listener of its own with {@code ioctl(fd, DOORBELL, 0)}.
     */
    static final long DOORBELL_REQUEST = 0x7E11BE11L;

    /**
     * The loop handler's requests (bundles/handler-loop) are {@code 0x4C00}-{@code 0x4C82}: the
     * profile notifies the block {@code (request & 0xFFFFFF00) == 0x4C00}. The kernel's ioctl takes a
     * 32-bit request while seccomp compares the 64-bit register, so every rule looks at the low 32
     * bits only (a caller setting the upper ones must not get past), and a rule compares an argument
     * once, so "any other request" is {@value #LOOP_ALLOW_RULES} rules: for each bit i of 8..31, the
     * requests that agree with 0x4C00 above bit i and differ at i. They and the notify rule are
     * disjoint, so no rule ordering decides.
     */
    static final long LOOP_REQUESTS = 0x4C00L;
    static final long LOOP_MASK = 0xFFFFFF00L;
    static final int LOOP_ALLOW_RULES = 24;

    static final String LISTENER_PATH = "listenerPath";
    static final String LISTENER_METADATA = "listenerMetadata";
    static final String SYSCALLS = "syscalls";

    /** One of the base's syscalls[] rules, checked. */
    private record Rule(int index, Map<String, Object> json, SeccompAction action, List<String> names,
            boolean conditional) {

        String describe() {
            StringBuilder sb = new StringBuilder("syscalls[").append(index).append("] (").append(action);
            for (String key : List.of("args", "includes", "excludes")) {
                if (!isEmptyCondition(json.get(key))) {
                    sb.append(", ").append(key).append(' ').append(JsonWriter.compact(json.get(key)));
                }
            }
            return sb.append(')').toString();
        }
    }

    /**
     * The base of a profile made from nothing: everything allowed, for the given architectures (an
     * empty list is the runtime's native one only).
     */
    static Map<String, Object> minimalBase(List<String> architectures) {
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("defaultAction", SeccompAction.SCMP_ACT_ALLOW.name());
        base.put("architectures", new ArrayList<Object>(architectures));
        base.put(SYSCALLS, new ArrayList<>());
        return base;
    }

    /**
     * @param base             the parsed base profile (not changed)
     * @param syscalls         the syscalls to notify, in the order the NOTIFY rule names them
     * @param listenerPath     the listener's socket
     * @param listenerMetadata the listener metadata, or null to keep the base's (if any)
     * @throws ProfileException if the base is not a seccomp profile this tool understands
     */
    static NotifyProfile from(Object base, List<String> syscalls, String listenerPath, String listenerMetadata)
            throws ProfileException {
        return from(base, syscalls, false, listenerPath, listenerMetadata);
    }

    /**
     * @param doorbell also notify the doorbell, {@code ioctl} with request {@link #DOORBELL_REQUEST}
     *                 only: {@code ioctl} leaves the rules that let it through, and where the base
     *                 let every ioctl through, a rule allows every other request
     */
    static NotifyProfile from(Object base, List<String> syscalls, boolean doorbell, String listenerPath,
            String listenerMetadata) throws ProfileException {
        return from(base, syscalls, doorbell, false, listenerPath, listenerMetadata);
    }

    /**
     * @param loop also notify the loop handler's ioctl requests, {@code (request & 0xFFFFFF00) == 0x4C00}
     *             ({@code SCMP_CMP_MASKED_EQ}): {@code ioctl} leaves the rules that let it through,
     *             and where the base let every ioctl through, {@value #LOOP_ALLOW_RULES} masked rules
     *             allow every other request; not with {@code doorbell}
     */
    static NotifyProfile from(Object base, List<String> syscalls, boolean doorbell, boolean loop, String listenerPath,
            String listenerMetadata) throws ProfileException {
        if (doorbell && loop) {
            throw new ProfileException("the doorbell and the loop requests cannot both be notified (intercessor-init "
                    + "traps no ioctl requests)");
        }
        if (!(base instanceof Map<?, ?>)) {
            throw new ProfileException("not a seccomp profile: the top level is not a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> profile = (Map<String, Object>) base;
        SeccompAction defaultAction = action(profile.get("defaultAction"), "defaultAction");
        List<Rule> rules = rules(profile.get(SYSCALLS));

        List<String> notified = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String name : new LinkedHashSet<>(syscalls)) {
            String refusal = refusal(name, rules, defaultAction);
            if (refusal == null) {
                notified.add(name);
            } else {
                notes.add(name + ": not sent to the listener, the base's rules for it kept: " + refusal);
            }
        }

        boolean ringable = false;
        boolean allowOtherIoctls = false;
        if (doorbell || loop) {
            String refusal = notified.contains("ioctl") ? "ioctl is notified whole already" : refusal("ioctl", rules, defaultAction);
            if (refusal == null) {
                ringable = true;
                allowOtherIoctls = !defaultAction.passes()
                        || rules.stream().anyMatch(r -> r.action().passes() && r.names().contains("ioctl"));
            } else {
                notes.add((doorbell ? "the doorbell (ioctl " + DOORBELL_REQUEST + ")" : "the loop requests (ioctl 0x4C00-0x4CFF)")
                        + ": not added, the base's rules for ioctl kept: " + refusal);
            }
        }
        if (doorbell) {
            if (!defaultAction.passes()) {
                notes.add("defaultAction " + defaultAction + " refuses every number no rule names before a filter "
                        + "intercessor-init installs can notify it (its action ranks above SCMP_ACT_NOTIFY): user-space-"
                        + "defined syscalls need a base whose defaultAction is SCMP_ACT_ALLOW or SCMP_ACT_LOG");
            }
        }
        List<String> leaving = new ArrayList<>(notified);
        if (ringable) {
            leaving.add("ioctl");
        }

        List<Object> kept = new ArrayList<>();
        int edited = 0;
        int dropped = 0;
        for (Rule rule : rules) {
            if (!rule.action().passes() || rule.names().stream().noneMatch(leaving::contains)) {
                kept.add(rule.json());
                continue;
            }
            Map<String, Object> copy = withoutNames(rule.json(), leaving);
            if (names(copy, rule.index()).isEmpty()) {
                dropped++;
            } else {
                edited++;
                kept.add(copy);
            }
        }
        if (!notified.isEmpty()) {
            Map<String, Object> notify = new LinkedHashMap<>();
            notify.put("names", new ArrayList<Object>(notified));
            notify.put("action", SeccompAction.SCMP_ACT_NOTIFY.name());
            kept.add(notify);
        }
        if (ringable && doorbell) {
            if (allowOtherIoctls) {
                kept.add(ioctlRule(SeccompAction.SCMP_ACT_ALLOW, "SCMP_CMP_NE"));
            }
            kept.add(ioctlRule(SeccompAction.SCMP_ACT_NOTIFY, "SCMP_CMP_EQ"));
            notified.add("ioctl(" + DOORBELL_REQUEST + ")");
        }
        if (ringable && loop) {
            if (allowOtherIoctls) {
                for (int bit = 8; bit < 32; bit++) {
                    long mask = (0xFFFFFFFFL << bit) & 0xFFFFFFFFL;
                    kept.add(ioctlRule(SeccompAction.SCMP_ACT_ALLOW, "SCMP_CMP_MASKED_EQ", mask,
                            (LOOP_REQUESTS & mask) ^ (1L << bit)));
                }
            }
            kept.add(ioctlRule(SeccompAction.SCMP_ACT_NOTIFY, "SCMP_CMP_MASKED_EQ", LOOP_MASK, LOOP_REQUESTS));
            notified.add("ioctl(0x4C00-0x4CFF)");
        }

        Map<String, Object> out = new LinkedHashMap<>(profile);
        putBeforeSyscalls(out, LISTENER_PATH, listenerPath);
        if (listenerMetadata != null) {
            putBeforeSyscalls(out, LISTENER_METADATA, listenerMetadata);
        }
        out.put(SYSCALLS, kept);
        return new NotifyProfile(out, List.copyOf(notified), List.copyOf(notes), edited, dropped);
    }

    /** A rule for ioctl whose request (argument 1) compares with the doorbell's by {@code op}. */
    private static Map<String, Object> ioctlRule(SeccompAction action, String op) {
        return ioctlRule(action, op, DOORBELL_REQUEST, null);
    }

    /** A rule for ioctl whose request compares with {@code value} by {@code op} (and {@code valueTwo}: masked). */
    private static Map<String, Object> ioctlRule(SeccompAction action, String op, long value, Long valueTwo) {
        Map<String, Object> arg = new LinkedHashMap<>();
        arg.put("index", new JsonNumber("1"));
        arg.put("value", new JsonNumber(Long.toUnsignedString(value)));
        if (valueTwo != null) {
            arg.put("valueTwo", new JsonNumber(Long.toUnsignedString(valueTwo)));
        }
        arg.put("op", op);
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("names", new ArrayList<Object>(List.of("ioctl")));
        rule.put("action", action.name());
        rule.put("args", new ArrayList<Object>(List.of(arg)));
        return rule;
    }

    /** Why the base refuses NAME at least sometimes, or null if it always lets it through. */
    private static String refusal(String name, List<Rule> rules, SeccompAction defaultAction) {
        List<String> blocking = new ArrayList<>();
        List<String> conditionalPass = new ArrayList<>();
        boolean alwaysPasses = defaultAction.passes();
        for (Rule rule : rules) {
            if (!rule.names().contains(name)) {
                continue;
            }
            if (!rule.action().passes()) {
                blocking.add(rule.describe());
            } else if (rule.conditional()) {
                conditionalPass.add(rule.describe());
            } else {
                alwaysPasses = true;
            }
        }
        if (!blocking.isEmpty()) {
            return String.join(", ", blocking) + (blocking.size() == 1 ? " blocks it" : " block it");
        }
        if (alwaysPasses) {
            return null;
        }
        if (conditionalPass.isEmpty()) {
            return "no rule of the base allows it, defaultAction " + defaultAction + " blocks it";
        }
        return "the base allows it only in " + String.join(", ", conditionalPass) + ", defaultAction "
                + defaultAction + " blocks it otherwise";
    }

    private static List<Rule> rules(Object syscalls) throws ProfileException {
        List<Rule> rules = new ArrayList<>();
        if (syscalls == null) {
            return rules;
        }
        if (!(syscalls instanceof List<?> list)) {
            throw new ProfileException(SYSCALLS + ": not an array");
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?>)) {
                throw new ProfileException(SYSCALLS + "[" + i + "]: not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> rule = (Map<String, Object>) list.get(i);
            SeccompAction action = action(rule.get("action"), SYSCALLS + "[" + i + "].action");
            boolean conditional = !isEmptyCondition(rule.get("args")) || !isEmptyCondition(rule.get("includes"))
                    || !isEmptyCondition(rule.get("excludes"));
            rules.add(new Rule(i, rule, action, names(rule, i), conditional));
        }
        return rules;
    }

    /** The rule's "names", and its "name" (the format's first version, still read by the engines). */
    private static List<String> names(Map<String, Object> rule, int index) throws ProfileException {
        List<String> names = new ArrayList<>();
        Object list = rule.get("names");
        if (list instanceof List<?> l) {
            for (Object n : l) {
                if (!(n instanceof String s)) {
                    throw new ProfileException(SYSCALLS + "[" + index + "].names: " + JsonWriter.compact(n)
                            + " is not a string");
                }
                names.add(s);
            }
        } else if (list != null) {
            throw new ProfileException(SYSCALLS + "[" + index + "].names: not an array");
        }
        Object single = rule.get("name");
        if (single instanceof String s) {
            names.add(s);
        } else if (single != null) {
            throw new ProfileException(SYSCALLS + "[" + index + "].name: not a string");
        }
        return names;
    }

    private static Map<String, Object> withoutNames(Map<String, Object> rule, List<String> remove) {
        Map<String, Object> copy = new LinkedHashMap<>(rule);
        if (copy.get("names") instanceof List<?> names) {
            List<Object> left = new ArrayList<>(names);
            left.removeAll(remove);
            copy.put("names", left);
        }
        if (copy.get("name") instanceof String s && remove.contains(s)) {
            copy.remove("name");
        }
        return copy;
    }

    private static SeccompAction action(Object value, String where) throws ProfileException {
        if (value == null) {
            throw new ProfileException(where + ": missing");
        }
        if (!(value instanceof String s)) {
            throw new ProfileException(where + ": " + JsonWriter.compact(value) + " is not a string");
        }
        return SeccompAction.of(s).orElseThrow(() -> new ProfileException(where + ": unknown action "
                + JsonWriter.compact(s)));
    }

    /**
     * No condition: absent, null, [] or {} (also {"caps": []}: the engines test a condition's
     * lists for length). Anything else counts as a condition; a wrong guess only keeps a syscall
     * out of the NOTIFY rule.
     */
    private static boolean isEmptyCondition(Object value) {
        if (value == null) {
            return true;
        }
        if (value instanceof List<?> list) {
            return list.isEmpty();
        }
        if (value instanceof Map<?, ?> map) {
            return map.values().stream().allMatch(NotifyProfile::isEmptyCondition);
        }
        return false;
    }

    /** Replaces KEY's value where it is, else adds it before "syscalls" (or at the end). */
    private static void putBeforeSyscalls(Map<String, Object> profile, String key, Object value) {
        if (profile.containsKey(key) || !profile.containsKey(SYSCALLS)) {
            profile.put(key, value);
            return;
        }
        Map<String, Object> copy = new LinkedHashMap<>(profile);
        profile.clear();
        copy.forEach((k, v) -> {
            if (k.equals(SYSCALLS)) {
                profile.put(key, value);
            }
            profile.put(k, v);
        });
    }
}
