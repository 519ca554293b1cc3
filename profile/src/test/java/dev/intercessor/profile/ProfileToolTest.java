package dev.intercessor.profile;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ProfileToolTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private ProfileTool.Defaults defaults = new ProfileTool.Defaults("/run/test/oci.sock",
            "SCMP_ARCH_AARCH64,SCMP_ARCH_ARM", null);
    private String stdout;
    private String stderr;

    private int runWithStdin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ProfileTool.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out,
                new PrintStream(err, true, StandardCharsets.UTF_8), defaults);
        stdout = out.toString(StandardCharsets.UTF_8);
        stderr = err.toString(StandardCharsets.UTF_8);
        return status;
    }

    private int run(String... args) {
        return runWithStdin("", args);
    }

    private Path podman() throws Exception {
        Path file = tmp.newFile("podman.json").toPath();
        Files.write(file, JsonTest.resource("podman-seccomp.json"));
        return file;
    }

    /** A refusal: status 2, one line on stderr, nothing on stdout. */
    private void assertRefused(String message, int status) {
        assertEquals(stderr, 2, status);
        assertEquals("intercessor profile: " + message + "\n", stderr);
        assertEquals("", stdout);
    }

    @Test
    public void withoutABaseItPrintsTheMinimalProfileWithTheLaunchersDefaults() throws Exception {
        assertEquals(stderr, 0, run("--metadata", "a=1", "--metadata=b=x=y"));
        assertEquals("", stderr);
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) JsonReader.parse(stdout);
        assertEquals("SCMP_ACT_ALLOW", p.get("defaultAction"));
        assertEquals(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"), p.get("architectures"));
        assertEquals("/run/test/oci.sock", p.get("listenerPath"));
        assertEquals("a=1\nb=x=y", p.get("listenerMetadata"));
        assertEquals(List.of(Map.of("names", NotifyProfile.DEFAULT_SYSCALLS, "action", "SCMP_ACT_NOTIFY")),
                p.get("syscalls"));
    }

    @Test
    public void theLaunchersDefaultSyscallsAndNoDefaultsAtAll() throws Exception {
        defaults = new ProfileTool.Defaults(null, null, "sysinfo,mknodat");
        assertEquals(stderr, 0, run());
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) JsonReader.parse(stdout);
        assertEquals(ProfileTool.DEFAULT_LISTENER, p.get("listenerPath"));
        assertEquals(ProfileTool.nativeArchitectures(), p.get("architectures"));
        assertEquals(List.of(Map.of("names", List.of("sysinfo", "mknodat"), "action", "SCMP_ACT_NOTIFY")),
                p.get("syscalls"));
        assertEquals(0, run("--syscalls", "mknod"));
        assertTrue(stdout, stdout.contains("\"mknod\""));
        assertFalse(stdout, stdout.contains("\"sysinfo\""));
    }

    @Test
    public void podmansDefaultToAFile() throws Exception {
        Path out = tmp.getRoot().toPath().resolve("intercessor.json");
        assertEquals(stderr, 0, run("--base", podman().toString(), "--listener", "/run/x/oci.sock", "--output",
                out.toString()));
        assertEquals("", stdout);
        assertEquals("intercessor profile: wrote " + out + ": mknod, mknodat, sysinfo, setxattr, lsetxattr, fsetxattr "
                + "sent to /run/x/oci.sock; taken out of 1 rule of the base\n", stderr);
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) JsonReader.parse(Files.readAllBytes(out));
        assertEquals("/run/x/oci.sock", p.get("listenerPath"));
        assertEquals(List.of("intercessor.json", "podman.json"), List.of(tmp.getRoot().list()).stream().sorted()
                .toList());
    }

    @Test
    public void theBaseMayComeFromStdin() throws Exception {
        assertEquals(stderr, 0, runWithStdin("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", "--base", "-", "--syscalls",
                "sysinfo"));
        assertEquals("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"listenerPath\": \"/run/test/oci.sock\",\n"
                + "  \"syscalls\": [\n    {\n      \"names\": [\n        \"sysinfo\"\n      ],\n"
                + "      \"action\": \"SCMP_ACT_NOTIFY\"\n    }\n  ]\n}\n", stdout);
    }

    @Test
    public void namesTheBaseBlocksAreReportedAndLeftAlone() throws Exception {
        assertEquals(stderr, 0, run("--base", podman().toString(), "--syscalls", "sysinfo,bpf"));
        String[] lines = stderr.split("\n");
        assertEquals(stderr, 2, lines.length);
        assertTrue(lines[0], lines[0].startsWith("intercessor profile: bpf: not sent to the listener"));
        assertTrue(lines[1], lines[1].contains("stays blocked"));
        assertTrue(stdout.contains("SCMP_ACT_NOTIFY"));
    }

    @Test
    public void whenTheBaseBlocksEveryNameThereIsNoProfile() throws Exception {
        assertEquals(2, run("--base", podman().toString(), "--syscalls", "bpf,kexec_load",
                "--output", tmp.getRoot() + "/out.json"));
        assertTrue(stderr, stderr.endsWith("\nintercessor profile: no syscall left to send to the listener: the base "
                + "blocks bpf, kexec_load (see above)\n"));
        assertEquals("", stdout);
        assertFalse(new File(tmp.getRoot(), "out.json").exists());
    }

    @Test
    public void unreadableOrMalformedBasesAreOneLineErrors() throws Exception {
        Path missing = tmp.getRoot().toPath().resolve("missing.json");
        assertRefused("cannot read base profile " + missing + ": no such file or directory",
                run("--base", missing.toString()));
        assertRefused("cannot read base profile " + tmp.getRoot() + ": Is a directory",
                run("--base", tmp.getRoot().toString()));

        Path broken = tmp.newFile("broken.json").toPath();
        Files.writeString(broken, "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n    {\"names\": "
                + "[\"read\"] \"action\": \"SCMP_ACT_ALLOW\"}\n  ]\n}\n");
        assertRefused(broken + ": invalid JSON at line 4, column 24: expected ',' or '}', found '\"'",
                run("--base", broken.toString()));

        Path unknown = tmp.newFile("unknown.json").toPath();
        Files.writeString(unknown, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"mknod\"], "
                + "\"action\": \"SCMP_ACT_PERMIT\"}]}");
        assertRefused(unknown + ": syscalls[0].action: unknown action \"SCMP_ACT_PERMIT\"",
                run("--base", unknown.toString()));
        assertRefused("standard input: not a seccomp profile: the top level is not a JSON object",
                runWithStdin("[]", "--base", "-"));
        assertRefused("standard input: invalid JSON at line 1, column 1: empty input", runWithStdin("", "--base", "-"));
    }

    @Test
    public void badOptionsAreOneLineErrors() {
        assertRefused("unknown option --bse", run("--bse", "x"));
        assertRefused("unexpected argument podman.json (options only)", run("podman.json"));
        assertRefused("--output needs a value", run("--output"));
        assertRefused("--base needs a value", run("--base="));
        assertRefused("--syscalls expects comma-separated syscall names, got: mknod,,sysinfo",
                run("--syscalls", "mknod,,sysinfo"));
        assertRefused("--syscalls expects comma-separated syscall names, got: MKNOD", run("--syscalls=MKNOD"));
        assertRefused("--metadata expects K=V, got: =v", run("--metadata", "=v"));
        assertRefused("--metadata: K=V must not contain a newline", run("--metadata", "a=1\nb=2"));
        assertRefused("--listener: not an absolute path: oci.sock", run("--listener", "oci.sock"));
    }

    @Test
    public void aFileThatCannotBeWrittenIsAnError() {
        String target = tmp.getRoot() + "/no/such/dir/out.json";
        assertEquals(2, run("--output", target));
        assertTrue(stderr, stderr.startsWith("intercessor profile: cannot write the profile: " + target + ": "));
        assertEquals(1, stderr.split("\n").length);
    }
}
