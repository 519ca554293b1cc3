package dev.intercessor.core.internal.oci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Map;

import org.junit.Test;

public class OciStateTest {

    /** What runc sends (specs.ContainerProcessState). */
    private static final String RUNC = "{\"ociVersion\":\"1.0.2-dev\",\"fds\":[\"seccompFd\"],\"pid\":4242,"
            + "\"metadata\":\"mknod.enabled=false\\nx=y\","
            + "\"state\":{\"ociVersion\":\"1.0.2-dev\",\"id\":\"abc\",\"status\":\"creating\",\"pid\":4242,"
            + "\"bundle\":\"/run/b\",\"annotations\":{\"dev.intercessor.mknod.enabled\":\"true\"}}}";

    /** What crun sends: its own version number for the message format. */
    private static final String CRUN = "{\"ociVersion\":\"0.2.0\",\"fds\":[\"seccompFd\"],\"pid\":777,"
            + "\"metadata\":\"\",\"state\":{\"ociVersion\":\"1.0.0\",\"id\":\"ctr-1_x.y+z\","
            + "\"status\":\"creating\",\"pid\":777,\"bundle\":\"/var/lib/containers/b\","
            + "\"annotations\":{\"io.podman.annotations.init\":\"FALSE\"}}}";

    @Test
    public void runcStateIsParsed() {
        OciState s = OciState.parse(RUNC);
        assertEquals("1.0.2-dev", s.ociVersion());
        assertEquals("abc", s.containerId());
        assertEquals(4242, s.pid());
        assertEquals("mknod.enabled=false\nx=y", s.metadata());
        assertEquals(Map.of("dev.intercessor.mknod.enabled", "true"), s.annotations());
        assertEquals("/run/b", s.bundle());
        assertEquals(0, s.seccompFdIndex());
    }

    @Test
    public void crunStateIsParsed() {
        OciState s = OciState.parse(CRUN);
        assertEquals("0.2.0", s.ociVersion());
        assertEquals("ctr-1_x.y+z", s.containerId());
        assertEquals(777, s.pid());
        assertEquals("", s.metadata());
        assertEquals(Map.of("io.podman.annotations.init", "FALSE"), s.annotations());
        assertEquals("/var/lib/containers/b", s.bundle());
        assertEquals(0, s.seccompFdIndex());
    }

    @Test
    public void surroundingWhitespaceIsAccepted() {
        assertEquals("abc", OciState.parse("\n  " + RUNC + " \n").containerId());
    }

    @Test
    public void optionalFieldsDefaultToEmpty() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}");
        assertEquals("", s.ociVersion());
        assertEquals("", s.metadata());
        assertEquals("", s.bundle());
        assertEquals(Map.of(), s.annotations());
    }

    @Test
    public void missingOrOutOfRangePidIsRefused() {
        for (String pid : new String[] {"", "\"pid\":null,", "\"pid\":-5,", "\"pid\":4294967301,"}) {
            try {
                OciState.parse("{" + pid + "\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\"}}");
                org.junit.Assert.fail("accepted " + pid);
            } catch (IllegalArgumentException e) {
                assertEquals("missing or malformed pid", e.getMessage());
            }
        }
    }

    @Test
    public void crunExecSendsPidZero() {
        // crun exec: the process is not named; the state is the container's, with its init
        OciState s = OciState.parse("{\"ociVersion\":\"0.2.0\",\"fds\":[\"seccompFd\"],\"pid\":0,"
                + "\"state\":{\"ociVersion\":\"0.2.0\",\"id\":\"abc\",\"status\":\"running\",\"pid\":4321}}");
        assertEquals(0, s.pid());
        assertEquals(4321, s.initPid());
        OciState none = OciState.parse("{\"fds\":[\"seccompFd\"],\"pid\":0,\"state\":{\"id\":\"abc\",\"pid\":0}}");
        assertEquals(0, none.pid());
        assertEquals(0, none.initPid());
    }

    @Test
    public void pidFallsBackToStatePid() {
        OciState s = OciState.parse("{\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"pid\":99}}");
        assertEquals(99, s.pid());
    }

    @Test
    public void topLevelPidWinsOverStatePid() {
        OciState s = OciState.parse("{\"fds\":[\"seccompFd\"],\"pid\":5,\"state\":{\"id\":\"abc\",\"pid\":99}}");
        assertEquals(5, s.pid());
    }

    @Test
    public void seccompFdIndexIsItsPositionInFds() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"other\",\"seccompFd\"],\"state\":{\"id\":\"abc\"}}");
        assertEquals(1, s.seccompFdIndex());
    }

    @Test
    public void nonStringAnnotationsAreDropped() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"annotations\":"
                + "{\"a\":\"1\",\"b\":2,\"c\":null,\"d\":[\"x\"],\"e\":{}}}}");
        assertEquals(Map.of("a", "1"), s.annotations());
    }

    @Test
    public void annotationsThatAreNotAnObjectAreIgnored() {
        OciState s = OciState.parse("{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":\"abc\",\"annotations\":[\"a\"]}}");
        assertEquals(Map.of(), s.annotations());
    }

    @Test(expected = UnsupportedOperationException.class)
    public void annotationsAreImmutable() {
        OciState.parse(RUNC).annotations().put("x", "y");
    }

    @Test
    public void longestAllowedIdIsAccepted() {
        String id = "a" + "b".repeat(255);
        assertEquals(id, OciState.parse(withId("\"" + id + "\"")).containerId());
    }

    // ---- refusals --------------------------------------------------------------------------

    @Test
    public void notAnObjectIsRefused() {
        assertRefused("[]", "not a JSON object");
        assertRefused("\"state\"", "not a JSON object");
        assertRefused("42", "not a JSON object");
        assertRefused("null", "not a JSON object");
    }

    @Test
    public void invalidJsonIsRefused() {
        assertRefused("{\"fds\":[\"seccompFd\"],", "bad JSON");
        assertRefused(RUNC + "x", "bad JSON");
    }

    @Test
    public void missingStateIsRefused() {
        assertRefused("{\"fds\":[\"seccompFd\"]}", "no \"state\" object");
        assertRefused("{\"fds\":[\"seccompFd\"],\"state\":\"abc\"}", "no \"state\" object");
        assertRefused("{\"fds\":[\"seccompFd\"],\"state\":null}", "no \"state\" object");
        assertRefused("{\"fds\":[\"seccompFd\"],\"state\":[]}", "no \"state\" object");
    }

    @Test
    public void missingIdIsRefused() {
        assertRefused("{\"fds\":[\"seccompFd\"],\"state\":{}}", "missing or malformed state.id");
        assertRefused(withId("null"), "missing or malformed state.id");
        assertRefused(withId("42"), "missing or malformed state.id");
    }

    @Test
    public void malformedIdIsRefused() {
        for (String id : new String[] {"", "../x", "..", ".hidden", "a/b", "/abs", "-x", "_x", "a b",
                "a\\\\b", "a\\nb", "a:b", "\\u00e9t\\u00e9", "a" + "b".repeat(256)}) {
            assertRefused(withId("\"" + id + "\""), "missing or malformed state.id");
        }
    }

    @Test
    public void fdsWithoutSeccompFdIsRefused() {
        assertRefused("{\"fds\":[],\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
        assertRefused("{\"fds\":[\"other\"],\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
        assertRefused("{\"fds\":[\"seccompfd\"],\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
        assertRefused("{\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
    }

    @Test
    public void fdsThatIsNotAnArrayIsRefused() {
        assertRefused("{\"fds\":\"seccompFd\",\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
        assertRefused("{\"fds\":{\"seccompFd\":0},\"state\":{\"id\":\"abc\"}}", "\"fds\" names no seccompFd");
    }

    private static String withId(String idJson) {
        return "{\"pid\":1,\"fds\":[\"seccompFd\"],\"state\":{\"id\":" + idJson + "}}";
    }

    private static void assertRefused(String json, String reason) {
        try {
            OciState s = OciState.parse(json);
            fail("accepted " + json + " as " + s);
        } catch (IllegalArgumentException e) {
            assertTrue("message '" + e.getMessage() + "' should contain '" + reason + "'",
                    e.getMessage().contains(reason));
        }
    }

    /** What the fd keeper holds: the state as a runtime would send it, read back the same. */
    @Test
    public void aStateWrittenOutReadsBackTheSame() {
        OciState state = new OciState("1.0.2", "web-1", 0, 4242, "sysinfo.enabled=true\nmount.allowed=ext4",
                java.util.Map.of("dev.intercessor.mknod.enabled", "false", "quote\"back\\slash", "tab\tnl\n\u0001"),
                "/run/bundle", 0);
        org.junit.Assert.assertEquals(state, OciState.parse(state.toJson()));
    }
}
