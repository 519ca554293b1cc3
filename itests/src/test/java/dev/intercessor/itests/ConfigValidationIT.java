package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * An operator's mistakes are named where they are made (issue 18): a copy of the distribution
 * started with a misspelt value, key or file in each kind of configuration, and a shell given
 * what it does not understand. The daemon starts anyway, each mistake is a WARNING in its log
 * naming the file, key and value, the defaults apply, and the shell refuses with exit status 1.
 */
public class ConfigValidationIT {

    private static PrivateDistribution distribution;
    private static Path home;
    private static String listener;

    @BeforeClass
    public static void startWithMistakes() throws Exception {
        distribution = PrivateDistribution.copy("config-it");
        home = distribution.home();
        listener = distribution.listener();
        Path etc = home.resolve("etc");
        Files.writeString(etc.resolve("dev.intercessor.core.cfg"), "threads=four\nthraeds=4\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(etc.resolve("dev.intercessor.audit.cfg"), "enabled=flase\nfiles=-1\n");
        Files.writeString(etc.resolve("dev.intercessor.policy.cfg"),
                "mknod.enabled=flase\nmknd.enabled=true\nmknod.enabeld=true\nbound.sched.enabled=true\n");
        Files.writeString(etc.resolve("dev.intercesor.policy.cfg"), "mknod.enabled=false\n");
        Container.Result started = distribution.launcher("start");
        assertEquals(started.toString(), 0, started.exit());
    }

    @AfterClass
    public static void stop() throws Exception {
        if (distribution != null) {
            distribution.remove();
        }
    }

    private static String log() throws Exception {
        return Files.readString(home.resolve("var/log/intercessor.log"));
    }

    /** Waits for a WARNING in the daemon's log that contains {@code text}. */
    private static void awaitWarning(String text) throws Exception {
        TestSetup.waitFor(() -> log().lines().anyMatch(l -> l.contains(" WARNING ") && l.contains(text)),
                "a WARNING with \"" + text + "\" in the daemon's log");
    }

    private static String etc(String file) {
        return home.resolve("etc").resolve(file).toString();
    }

    private static Container.Result run(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("run", "--listener", listener));
        command.addAll(List.of(args));
        return distribution.launcher(command.toArray(new String[0]));
    }

    @Test
    public void aNonNumberForThreadsIsNamedAndTheSupervisorStartsWithTheDefault() throws Exception {
        awaitWarning(etc("dev.intercessor.core.cfg") + ": threads='four' ignored: not a whole number; "
                + "the default '0' applies until it is corrected");
        awaitWarning(etc("dev.intercessor.core.cfg") + ": unknown key thraeds='4' ignored: did you mean threads?");
        Container.Result health = distribution.launcher("health");
        assertEquals(health.toString(), 0, health.exit());
        assertTrue(health.toString(), health.out().matches("(?s).*notify-threads\\s+ok\\s+(\\d+) of \\1 running.*"));
    }

    @Test
    public void aMisspeltBooleanNeitherStopsTheAuditLogNorTurnsAHandlerOff() throws Exception {
        awaitWarning(etc("dev.intercessor.audit.cfg") + ": enabled='flase' ignored: not a boolean (true or false); "
                + "the default 'true' applies until it is corrected");
        awaitWarning(etc("dev.intercessor.audit.cfg") + ": files='-1' ignored: less than the minimum 0; "
                + "the default '5' applies until it is corrected");
        awaitWarning(etc("dev.intercessor.policy.cfg") + ": mknod.enabled='flase' is refused: 'flase' is not a boolean");
        String name = "it-config-audit-" + ProcessHandle.current().pid();
        TestSetup.waitFor(() -> log().contains("handler mknod [mknod, mknodat]"), "the mknod handler");
        Container.Result made = run("--name", name, "--", "sh", "-c",
                "mknod /dev/n c 1 3 && echo x > /dev/n && echo emulated");
        assertEquals(made.toString(), "emulated\n", made.out());
        Path audit = home.resolve("var/log/audit.log");
        TestSetup.waitFor(() -> Files.exists(audit) && !AuditFiles.records(Files.readAllLines(audit), name).isEmpty(),
                "the mknod of " + name + " in the audit log");
    }

    @Test
    public void policyKeysNoHandlerDeclaresAreNamedWithTheIntendedOne() throws Exception {
        awaitWarning(etc("dev.intercessor.policy.cfg")
                + ": mknd.enabled='true' has no effect: no registered handler is named mknd (did you mean mknod?)");
        awaitWarning(etc("dev.intercessor.policy.cfg")
                + ": mknod.enabeld='true' has no effect: handler mknod has no option enabeld (did you mean mknod.enabled?)");
    }

    @Test
    public void aConfigurationFileNoComponentReadsIsNamed() throws Exception {
        awaitWarning(etc("dev.intercesor.policy.cfg") + ": no component reads configuration PID dev.intercesor.policy "
                + "(did you mean dev.intercessor.policy?): its settings have no effect");
        assertTrue("the distribution's own files are read: " + log(), log().lines()
                .noneMatch(l -> l.contains("no component reads") && !l.contains("dev.intercesor.policy")));
    }

    @Test
    public void aContainersMalformedRequestsAreNamedAndNeverTurnAnythingOn() throws Exception {
        String name = "it-config-requests-" + ProcessHandle.current().pid();
        // The operator lets containers turn sched on (bound.sched.enabled=true): "tru" is not "true".
        Process sleeper = new ProcessBuilder(home.resolve("bin/intercessor").toString(), "run", "--listener", listener,
                "--name", name, "--annotation", "sched.enabled=tru", "--annotation", "mknd.enabled=false",
                "--metadata", "sysinfo.enabled=nope", "--", "sh", "-c", "free >/dev/null; sleep 600")
                .redirectErrorStream(true).start();
        try {
            awaitWarning("container " + name + ": annotation sched.enabled='tru' ignored: 'tru' is not a boolean");
            awaitWarning("container " + name + ": annotation mknd.enabled='false' has no effect: "
                    + "no registered handler is named mknd (did you mean mknod?)");
            awaitWarning("container " + name + ": metadata sysinfo.enabled='nope' ignored: 'nope' is not a boolean");
            Container.Result policy = distribution.launcher("shell", "policy", name);
            assertEquals(policy.toString(), 0, policy.exit());
            assertTrue(policy.out(), policy.out().lines().anyMatch(l -> l.matches("sched\\.enabled\\s+false\\s+default\\s+.*")));
            assertTrue(policy.out(), policy.out().lines().anyMatch(l -> l.matches("sysinfo\\.enabled\\s+true\\s+default\\s+.*")));
        } finally {
            Container.execute(List.of("runc", "kill", name, "KILL"));
            sleeper.waitFor(20, TimeUnit.SECONDS);
            Container.execute(List.of("runc", "delete", "-f", name));
        }
    }

    @Test
    public void theShellRefusesWhatItDoesNotUnderstand() throws Exception {
        String name = "it-config-shell-" + ProcessHandle.current().pid();
        Process sleeper = new ProcessBuilder(home.resolve("bin/intercessor").toString(), "run", "--listener", listener,
                "--name", name, "--", "sleep", "600").redirectErrorStream(true).start();
        try {
            TestSetup.waitFor(() -> distribution.launcher("shell", "containers").out().contains(name), name + " listed");
            assertRefused(List.of("policy", name, "mknod.enabled", "maybe"),
                    "mknod.enabled: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0); nothing changed");
            assertRefused(List.of("policy", name, "mknod.enabeld", "false"),
                    "policy: unknown key mknod.enabeld: handler mknod has no such option (its keys: mknod.enabled); "
                            + "nothing changed (\"options\" lists every key)");
            assertRefused(List.of("policy", name, "mknd.enabled", "false"),
                    "policy: unknown key mknd.enabled: no registered handler is named mknd (handlers: ");
            assertRefused(List.of("trace", "--bogus"),
                    "trace: unknown option --bogus (usage: trace [--follow|-f] [--max|-n N] [ID])");
            assertRefused(List.of("trace", "-n", "3", "--bogus", name), "trace: unknown option --bogus");
            assertRefused(List.of("containers", "--bogus"), "containers: unknown option --bogus (usage: containers)");
            assertRefused(List.of("policy", "-x", name), "policy: unknown option -x (usage: policy ID");
            // What it understands still works: mknod stays as it was until a good value comes.
            Container.Result set = distribution.launcher("shell", "policy", name, "mknod.enabled", "false");
            assertEquals(set.toString(), 0, set.exit());
            assertEquals("mknod.enabled = false (runtime)\n", set.out());
        } finally {
            Container.execute(List.of("runc", "kill", name, "KILL"));
            sleeper.waitFor(20, TimeUnit.SECONDS);
            Container.execute(List.of("runc", "delete", "-f", name));
        }
    }

    private static void assertRefused(List<String> words, String error) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("shell"));
        command.addAll(words);
        Container.Result r = distribution.launcher(command.toArray(new String[0]));
        assertEquals(r.toString(), 1, r.exit());
        assertTrue(r.toString(), r.err().contains(error));
        assertEquals(r.toString(), "", r.out());
    }
}
