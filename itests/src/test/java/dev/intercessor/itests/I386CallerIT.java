package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.AssumptionViolatedException;
import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runner.RunWith;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunNotifier;
import org.junit.runners.model.InitializationError;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Every architecture: an i386 program's uname is call 122 of AUDIT_ARCH_I386. The launcher's
 * profile names SCMP_ARCH_X86 beside SCMP_ARCH_X86_64, so the kernel sends it, and the handler
 * sees it as {@code x86}, number 122.
 *
 * <p>Skipped where no i386 program can be built or run: a host other than x86_64, a gcc without
 * {@code -m32}, or a kernel without IA-32 emulation or with it off ({@code ia32_emulation=0}, or a
 * hypervisor that allows 64-bit user code only: execve of an ELF32 gives ENOEXEC).
 */
@RunWith(I386CallerIT.WhereI386ProgramsRun.class)
@ExamReactorStrategy(PerClass.class)
public class I386CallerIT extends UnameHandlerIT {

    /** Built by {@link WhereI386ProgramsRun} from {@code src/test/c/uname32.c}. */
    private static final Path PROGRAM = Container.PROGRAMS.resolve("uname32");

    /**
     * Pax Exam, once the i386 program is built and runs on this host; else every test is skipped
     * with the reason. (An assumption that fails inside the framework would be reported as a pass.)
     */
    public static final class WhereI386ProgramsRun extends PaxExam {

        public WhereI386ProgramsRun(Class<?> test) throws InitializationError {
            super(test);
        }

        @Override
        public void run(RunNotifier notifier) {
            String missing;
            try {
                missing = whyI386ProgramsCannotRun();
            } catch (IOException | InterruptedException e) {
                missing = "cannot build or run the i386 program: " + e;
            }
            if (missing == null) {
                super.run(notifier);
                return;
            }
            for (Description test : getDescription().getChildren()) {
                notifier.fireTestStarted(test);
                notifier.fireTestAssumptionFailed(new Failure(test, new AssumptionViolatedException(missing)));
                notifier.fireTestFinished(test);
            }
        }
    }

    /** @return why no i386 program runs here, or {@code null} when {@link #PROGRAM} does */
    private static String whyI386ProgramsCannotRun() throws IOException, InterruptedException {
        if (!hostArch().equals("x86_64")) {
            return "i386 programs run on x86_64 hosts only, this is " + hostArch();
        }
        Container.Result built = Container.execute(List.of("gcc", "-m32", "-static", "-nostdlib", "-ffreestanding",
                "-fno-pie", "-no-pie", "-fno-stack-protector", "-O2", "-Wall", "-Werror", "-o", PROGRAM.toString(),
                Path.of(System.getProperty("intercessor.test.sources"), "uname32.c").toString()));
        if (built.exit() != 0) {
            return "gcc -m32 cannot build the i386 program here: " + built;
        }
        Container.Result onHost = Container.execute(List.of(PROGRAM.toString()));
        if (onHost.exit() == 0 && onHost.out().startsWith("sysname=")) {
            return null;
        }
        // ENOEXEC: the JDK then runs the file as a shell script, hence a shell's syntax error.
        return "this kernel runs no i386 program (IA-32 emulation absent or off: execve of an ELF32 gives "
                + "ENOEXEC): " + onHost;
    }

    @Test
    public void anI386CallerReachesTheHandlerAsX86() throws Exception {
        try (Container c = Container.start(id("uname32"), "--syscalls", "uname")) {
            Container.Result r = c.exec("/opt/t/uname32; /opt/t/unametest");
            assertEquals(r.toString(), "sysname=intercessor-x86 machine=x86\n"
                    + "sysname=intercessor-x86_64 machine=x86_64\n", r.out());
            assertTrue(seen.toString(), seen.contains(c.id() + " uname x86 122"));
            assertTrue(seen.toString(), seen.contains(c.id() + " uname x86_64 63"));
        }
    }
}
