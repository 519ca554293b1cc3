package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import dev.intercessor.admin.HandlerInfo;
import dev.intercessor.api.Response;

/**
 * Any syscall: a handler for {@code uname}, in no hand-kept list, serves the host's own programs
 * under their architecture and number; a handler for a syscall no architecture has is rejected,
 * and says so in the log. (An i386 caller: I386CallerIT.)
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ArchitecturesIT extends UnameHandlerIT {

    @Test
    public void aNativeCallerReachesAHandlerForUname() throws Exception {
        String arch = hostArch();
        int nr = arch.equals("x86_64") ? 63 : 160; // aarch64: the generic table
        try (Container c = Container.start(id("uname"), "--syscalls", "uname")) {
            Container.Result r = c.exec("/opt/t/unametest");
            assertEquals(r.toString(), "sysname=intercessor-" + arch + " machine=" + arch + "\n", r.out());
            assertTrue(seen.toString(), seen.contains(c.id() + " uname " + arch + " " + nr));
        }
    }

    @Test
    public void aHandlerForASyscallNoArchitectureHasIsRejectedWithAWarning() throws Exception {
        try (LogCapture log = LogCapture.of("dev.intercessor.core")) {
            register("frob", "frobnicate", (call, target, policy) -> Response.value(0));
            HandlerInfo frob = handler("frob");
            assertEquals("rejected", frob.state());
            assertEquals(List.of("serves no known syscall: [frobnicate]"), frob.problems());
            List<String> warnings = log.warnings();
            assertTrue(warnings.toString(), warnings.stream().anyMatch(m -> m.startsWith("handler frob [frobnicate] ")
                    && m.endsWith(" is rejected: serves no known syscall: [frobnicate]")));
        }
    }
}
