package dev.intercessor.profile;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class NotifyProfileTest {

    private static final String LISTENER = "/run/intercessor/oci.sock";
    private static final List<String> MANY = List.of("mknod", "mknodat", "sysinfo", "setxattr", "lsetxattr",
            "fsetxattr", "mount", "bpf", "chmod");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> profile(String resource) throws Exception {
        return (Map<String, Object>) JsonReader.parse(JsonTest.resource(resource));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules(Map<String, Object> profile) {
        return (List<Map<String, Object>>) profile.get("syscalls");
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Map<String, Object> rule) {
        List<String> names = new ArrayList<>();
        if (rule.get("names") != null) {
            names.addAll((List<String>) rule.get("names"));
        }
        if (rule.get("name") != null) {
            names.add((String) rule.get("name"));
        }
        return names;
    }

    /** What every generated profile must be: its NOTIFY rule alone names the notified syscalls. */
    private static Map<String, Object> notifyRuleOf(NotifyProfile p) {
        List<Map<String, Object>> notify = new ArrayList<>();
        for (Map<String, Object> rule : rules(p.json())) {
            String action = (String) rule.get("action");
            if (action.equals("SCMP_ACT_NOTIFY")) {
                notify.add(rule);
            } else if (SeccompAction.of(action).orElseThrow().passes()) {
                for (String name : p.notified()) {
                    assertFalse(name + " still in " + rule, names(rule).contains(name));
                }
            }
        }
        assertEquals("exactly one NOTIFY rule", 1, notify.size());
        assertEquals(Map.of("names", p.notified(), "action", "SCMP_ACT_NOTIFY"), notify.get(0));
        assertEquals("the NOTIFY rule comes last", notify.get(0), rules(p.json()).get(rules(p.json()).size() - 1));
        return notify.get(0);
    }

    @Test
    public void podmansDefaultSendsTheDefaultSyscallsAndKeepsEverythingElse() throws Exception {
        Map<String, Object> base = profile("podman-seccomp.json");
        String before = JsonWriter.pretty(base);
        NotifyProfile p = NotifyProfile.from(base, NotifyProfile.DEFAULT_SYSCALLS, LISTENER, "a=1\nb=2");

        assertEquals(NotifyProfile.DEFAULT_SYSCALLS, p.notified());
        assertEquals(List.of(), p.notes());
        notifyRuleOf(p);
        assertEquals("the base is not changed", before, JsonWriter.pretty(base));

        assertEquals(List.of("defaultAction", "defaultErrnoRet", "defaultErrno", "archMap", "listenerPath",
                "listenerMetadata", "syscalls"), List.copyOf(p.json().keySet()));
        assertEquals(LISTENER, p.json().get("listenerPath"));
        assertEquals("a=1\nb=2", p.json().get("listenerMetadata"));
        for (String key : List.of("defaultAction", "defaultErrnoRet", "defaultErrno", "archMap")) {
            assertSame(key, base.get(key), p.json().get(key));
        }

        // Podman names them all in its one big ALLOW rule (syscalls[1]): only that rule changes.
        List<Map<String, Object>> in = rules(base);
        List<Map<String, Object>> out = rules(p.json());
        assertEquals(in.size() + 1, out.size());
        for (int i = 0; i < in.size(); i++) {
            if (i != 1) {
                assertSame("syscalls[" + i + "] unchanged", in.get(i), out.get(i));
            }
        }
        List<String> expected = names(in.get(1));
        expected.removeAll(NotifyProfile.DEFAULT_SYSCALLS);
        assertEquals(in.get(1).size(), out.get(1).size());
        assertEquals(List.copyOf(in.get(1).keySet()), List.copyOf(out.get(1).keySet()));
        assertEquals(expected, out.get(1).get("names"));
        for (String key : in.get(1).keySet()) {
            if (!key.equals("names")) {
                assertEquals(key, in.get(1).get(key), out.get(1).get(key));
            }
        }
        assertEquals(1, p.rulesEdited());
        assertEquals(0, p.rulesDropped());
    }

    @Test
    public void podmansCapabilityGatedBpfStaysBlocked() throws Exception {
        Map<String, Object> base = profile("podman-seccomp.json");
        NotifyProfile p = NotifyProfile.from(base, List.of("mknod", "bpf", "init_module"), LISTENER, null);

        assertEquals(List.of("mknod"), p.notified());
        notifyRuleOf(p);
        assertEquals(List.of(
                "bpf: not sent to the listener, the base's rules for it kept: syscalls[15] (SCMP_ACT_ERRNO, excludes "
                        + "{\"caps\": [\"CAP_SYS_ADMIN\"]}) blocks it",
                "init_module: not sent to the listener, the base's rules for it kept: syscalls[19] (SCMP_ACT_ERRNO, "
                        + "excludes {\"caps\": [\"CAP_SYS_MODULE\"]}) blocks it"), p.notes());
        assertSame("the ALLOW rule for CAP_SYS_ADMIN holders keeps bpf", rules(base).get(14), rules(p.json()).get(14));
        assertSame(rules(base).get(15), rules(p.json()).get(15));
        assertFalse("no listenerMetadata unless asked for", p.json().containsKey("listenerMetadata"));
    }

    @Test
    public void dockerStyleRulesLoseOnlyTheNamesTheyAlwaysLetThrough() throws Exception {
        Map<String, Object> base = profile("docker-style.json");
        NotifyProfile p = NotifyProfile.from(base, MANY, LISTENER, null);

        assertEquals(List.of("mknod", "mknodat", "sysinfo", "fsetxattr"), p.notified());
        notifyRuleOf(p);
        String kept = ": not sent to the listener, the base's rules for it kept: ";
        assertEquals(List.of(
                "setxattr" + kept + "the base allows it only in syscalls[3] (SCMP_ACT_ALLOW, args [{\"index\": 4, "
                        + "\"value\": 0, \"valueTwo\": 0, \"op\": \"SCMP_CMP_EQ\"}]), defaultAction SCMP_ACT_ERRNO "
                        + "blocks it otherwise",
                "lsetxattr" + kept + "syscalls[10] (SCMP_ACT_KILL_PROCESS) blocks it",
                "mount" + kept + "the base allows it only in syscalls[4] (SCMP_ACT_ALLOW, includes {\"caps\": "
                        + "[\"CAP_SYS_ADMIN\"]}), defaultAction SCMP_ACT_ERRNO blocks it otherwise",
                "bpf" + kept + "syscalls[5] (SCMP_ACT_ERRNO, excludes {\"caps\": [\"CAP_SYS_ADMIN\"]}) blocks it",
                "chmod" + kept + "no rule of the base allows it, defaultAction SCMP_ACT_ERRNO blocks it"), p.notes());

        List<Map<String, Object>> in = rules(base);
        List<Map<String, Object>> out = rules(p.json());
        assertEquals(List.of("read", "write"), out.get(0).get("names"));
        assertEquals("always", out.get(0).get("comment"));
        assertSame(in.get(1), out.get(1));
        // A conditional ALLOW rule loses the name, and keeps its condition for the rest.
        Map<String, Object> chown = new LinkedHashMap<>(in.get(2));
        chown.put("names", List.of("chown"));
        assertEquals(chown, out.get(2));
        assertEquals(List.copyOf(in.get(2).keySet()), List.copyOf(out.get(2).keySet()));
        for (int i = 3; i <= 6; i++) {
            assertSame("syscalls[" + i + "] unchanged", in.get(i), out.get(i));
        }
        // syscalls[7] ("name": "sysinfo") and [8] (LOG fsetxattr) named nothing else: gone.
        assertSame(in.get(9), out.get(7));
        assertSame(in.get(10), out.get(8));
        assertEquals(10, out.size());
        assertEquals(2, p.rulesEdited());
        assertEquals(2, p.rulesDropped());

        assertEquals("an existing listenerPath is replaced where it is",
                List.of("defaultAction", "defaultErrnoRet", "architectures", "listenerPath", "syscalls", "flags"),
                List.copyOf(p.json().keySet()));
        assertEquals(LISTENER, p.json().get("listenerPath"));
        assertSame(base.get("flags"), p.json().get("flags"));
    }

    @Test
    public void aDenyListProfileNeedsOnlyTheNotifyRule() throws Exception {
        Object base = JsonReader.parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                + "{\"names\": [\"ptrace\", \"mknodat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}");
        NotifyProfile p = NotifyProfile.from(base, NotifyProfile.DEFAULT_SYSCALLS, LISTENER, null);

        assertEquals(List.of("mknod", "sysinfo", "setxattr", "lsetxattr", "fsetxattr"), p.notified());
        assertEquals(List.of("mknodat: not sent to the listener, the base's rules for it kept: syscalls[0] "
                + "(SCMP_ACT_ERRNO) blocks it"), p.notes());
        notifyRuleOf(p);
        assertSame(rules((Map<String, Object>) base).get(0), rules(p.json()).get(0));
        assertEquals(2, rules(p.json()).size());
    }

    @Test
    public void theMinimalProfileIsTheOneRunWrites() throws Exception {
        NotifyProfile p = NotifyProfile.from(NotifyProfile.minimalBase(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                "SCMP_ARCH_X32")), List.of("mknodat", "sysinfo"), LISTENER, "policy=strict");
        assertEquals("{\n"
                + "  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
                + "  \"architectures\": [\n"
                + "    \"SCMP_ARCH_X86_64\",\n"
                + "    \"SCMP_ARCH_X86\",\n"
                + "    \"SCMP_ARCH_X32\"\n"
                + "  ],\n"
                + "  \"listenerPath\": \"/run/intercessor/oci.sock\",\n"
                + "  \"listenerMetadata\": \"policy=strict\",\n"
                + "  \"syscalls\": [\n"
                + "    {\n"
                + "      \"names\": [\n"
                + "        \"mknodat\",\n"
                + "        \"sysinfo\"\n"
                + "      ],\n"
                + "      \"action\": \"SCMP_ACT_NOTIFY\"\n"
                + "    }\n"
                + "  ]\n"
                + "}\n", JsonWriter.pretty(p.json()));
    }

    @Test
    public void aGeneratedProfileGivesItselfBack() throws Exception {
        for (String resource : List.of("podman-seccomp.json", "docker-style.json")) {
            NotifyProfile once = NotifyProfile.from(profile(resource), MANY, LISTENER, "k=v");
            NotifyProfile twice = NotifyProfile.from(JsonReader.parse(JsonWriter.pretty(once.json())), MANY, LISTENER,
                    null);
            assertEquals(resource, JsonWriter.pretty(once.json()), JsonWriter.pretty(twice.json()));
            assertEquals(once.notified(), twice.notified());
        }
    }

    @Test
    public void duplicateNamesAreNotifiedOnce() throws Exception {
        NotifyProfile p = NotifyProfile.from(NotifyProfile.minimalBase(List.of()), List.of("sysinfo", "mknod",
                "sysinfo"), LISTENER, null);
        assertEquals(List.of("sysinfo", "mknod"), p.notified());
    }

    @Test
    public void whatIsNotASeccompProfileIsRefused() throws Exception {
        assertEquals("not a seccomp profile: the top level is not a JSON object", refusal("[]"));
        assertEquals("defaultAction: missing", refusal("{\"syscalls\": []}"));
        assertEquals("defaultAction: unknown action \"SCMP_ACT_MAYBE\"",
                refusal("{\"defaultAction\": \"SCMP_ACT_MAYBE\"}"));
        assertEquals("syscalls[1].action: unknown action \"SCMP_ACT_ALLOW_ALL\"",
                refusal("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
                        + "\"SCMP_ACT_ALLOW\"}, {\"names\": [\"mknod\"], \"action\": \"SCMP_ACT_ALLOW_ALL\"}]}"));
        assertEquals("syscalls[0].action: 1 is not a string",
                refusal("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": 1}]}"));
        assertEquals("syscalls[0].names: 7 is not a string", refusal("{\"defaultAction\": \"SCMP_ACT_ERRNO\", "
                + "\"syscalls\": [{\"names\": [\"read\", 7], \"action\": \"SCMP_ACT_ALLOW\"}]}"));
        assertEquals("syscalls: not an array", refusal("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}"));
        assertEquals("syscalls[0]: not an object",
                refusal("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\"read\"]}"));
    }

    @Test
    public void aProfileWithoutRulesGetsTheNotifyRule() throws Exception {
        NotifyProfile p = NotifyProfile.from(JsonReader.parse("{\"defaultAction\": \"SCMP_ACT_LOG\", \"syscalls\": "
                + "null}"), List.of("sysinfo"), LISTENER, null);
        assertNotEquals(null, p.json().get("syscalls"));
        assertEquals(List.of("defaultAction", "listenerPath", "syscalls"), List.copyOf(p.json().keySet()));
        notifyRuleOf(p);
        assertTrue(p.notes().isEmpty());
    }

    private static String refusal(String json) throws JsonException {
        Object base = JsonReader.parse(json);
        return assertThrows(ProfileException.class,
                () -> NotifyProfile.from(base, NotifyProfile.DEFAULT_SYSCALLS, LISTENER, null)).getMessage();
    }

    // ---- the doorbell ----------------------------------------------------------------------

    private static Map<String, Object> doorbellRule(NotifyProfile p, String action) {
        return rules(p.json()).stream()
                .filter(r -> names(r).equals(List.of("ioctl")) && action.equals(r.get("action")) && r.get("args") != null)
                .findFirst().orElseThrow(() -> new AssertionError("no ioctl " + action + " rule in " + p.json()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> onlyArg(Map<String, Object> rule) {
        List<Object> args = (List<Object>) rule.get("args");
        assertEquals(1, args.size());
        return (Map<String, Object>) args.get(0);
    }

    @Test
    public void doorbellOnPodmansProfileTakesIoctlOutOfItsAllowRuleAndSplitsItByRequest() throws Exception {
        NotifyProfile p = NotifyProfile.from(profile("podman-seccomp.json"), List.of(), true, LISTENER, null);
        assertEquals(List.of("ioctl(2115091985)"), p.notified());
        Map<String, Object> notify = onlyArg(doorbellRule(p, "SCMP_ACT_NOTIFY"));
        assertEquals("1", notify.get("index").toString());
        assertEquals("2115091985", notify.get("value").toString());
        assertEquals("SCMP_CMP_EQ", notify.get("op"));
        Map<String, Object> allow = onlyArg(doorbellRule(p, "SCMP_ACT_ALLOW"));
        assertEquals("2115091985", allow.get("value").toString());
        assertEquals("SCMP_CMP_NE", allow.get("op"));
        for (Map<String, Object> rule : rules(p.json())) {
            if (names(rule).contains("ioctl")) {
                assertTrue("only the two doorbell rules name ioctl: " + rule, rule.get("args") != null);
            }
        }
        assertTrue(p.notes().toString(), p.notes().stream().anyMatch(n -> n.contains("defaultAction SCMP_ACT_ERRNO refuses")));
    }

    @Test
    public void loopRequestsOnPodmansProfileAreAMaskedBlockWithTheRestAllowed() throws Exception {
        NotifyProfile p = NotifyProfile.from(profile("podman-seccomp.json"), List.of("mknodat"), false, true, LISTENER, null);
        assertEquals(List.of("mknodat", "ioctl(0x4C00-0x4CFF)"), p.notified());
        Map<String, Object> notify = onlyArg(doorbellRule(p, "SCMP_ACT_NOTIFY"));
        assertEquals("SCMP_CMP_MASKED_EQ", notify.get("op"));
        assertEquals(Long.toString(0xFFFFFF00L), notify.get("value").toString());
        assertEquals("19456", notify.get("valueTwo").toString());
        List<long[]> allowed = new java.util.ArrayList<>();
        for (Map<String, Object> rule : rules(p.json())) {
            if (names(rule).contains("ioctl")) {
                assertTrue("only the loop rules name ioctl: " + rule, rule.get("args") != null);
                if ("SCMP_ACT_ALLOW".equals(rule.get("action"))) {
                    Map<String, Object> arg = onlyArg(rule);
                    assertEquals("SCMP_CMP_MASKED_EQ", arg.get("op"));
                    allowed.add(new long[] {Long.parseUnsignedLong(arg.get("value").toString()),
                            Long.parseUnsignedLong(arg.get("valueTwo").toString())});
                }
            }
        }
        assertEquals(NotifyProfile.LOOP_ALLOW_RULES, allowed.size());
        // Exactly one rule decides each request, by its low 32 bits: notified iff in the loop block.
        long[] samples = {0, 0x5401, 0x4BFF, 0x4C00, 0x4C04, 0x4C82, 0x4CFF, 0x4D00, 0x80044C00L, 0x7E11BE11L,
                0xC0045401L, 0xFFFFFFFF00004C04L, 0xFFFFFFFFC0045401L, 0xFFFFFFFFL};
        for (long request : samples) {
            boolean notified = (request & 0xFFFFFF00L) == 0x4C00;
            long matches = allowed.stream().filter(a -> (request & a[0]) == a[1]).count();
            assertEquals(Long.toHexString(request), notified ? 0 : 1, matches);
        }
    }

    @Test
    public void loopAndDoorbellTogetherAreRefused() {
        assertThrows(ProfileException.class, () -> NotifyProfile.from(NotifyProfile.minimalBase(List.of("SCMP_ARCH_X86_64")),
                List.of(), true, true, LISTENER, null));
    }

    @Test
    public void doorbellOnAnAllowEverythingBaseNeedsOnlyItsNotifyRule() throws Exception {
        NotifyProfile p = NotifyProfile.from(NotifyProfile.minimalBase(List.of("SCMP_ARCH_X86_64")),
                List.of("mknodat"), true, LISTENER, null);
        assertEquals(List.of("mknodat", "ioctl(2115091985)"), p.notified());
        doorbellRule(p, "SCMP_ACT_NOTIFY");
        assertEquals(2, rules(p.json()).size());
        assertTrue(p.notes().toString(), p.notes().isEmpty());
    }

    @Test
    public void doorbellIsNotAddedWhereTheBaseBlocksIoctlInSomeCases() throws Exception {
        Map<String, Object> base = NotifyProfile.minimalBase(List.of());
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("names", new ArrayList<Object>(List.of("ioctl")));
        block.put("action", "SCMP_ACT_ERRNO");
        block.put("args", new ArrayList<Object>(List.of(Map.of("index", new JsonNumber("1"), "value", new JsonNumber("21505"), "op", "SCMP_CMP_EQ"))));
        rules(base).add(block);
        NotifyProfile p = NotifyProfile.from(base, List.of("mknodat"), true, LISTENER, null);
        assertEquals(List.of("mknodat"), p.notified());
        assertTrue(p.notes().toString(), p.notes().get(0).startsWith("the doorbell (ioctl 2115091985): not added"));
    }
}
