package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * A core-bundle update inside the running framework (issue 16): a container calls sysinfo (and
 * mknod every 100 ms) in a loop while the core bundle is updated twice; the fd keeper holds its
 * notify fds meanwhile, the new core takes them back, and every answer is the emulated one.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CoreUpdateIT extends HandlerIT {

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
        startHandler(TestSetup.SYSINFO, "sysinfo");
    }

    @Test
    public void everyCallIsEmulatedAcrossCoreUpdates() throws Exception {
        try (Container c = Container.start(id("core-update"), "--memory", "256m")) {
            CompletableFuture<Container.Result> loop = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.exec("mkdir /tmp/d && /opt/t/calltest 12 emulated " + (256L << 20) + " /tmp/d");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Bundle core = TestSetup.installed(context, TestSetup.CORE);
            for (int i = 0; i < 2; i++) {
                Thread.sleep(3000);
                core.update();
                TestSetup.waitFor(() -> core.getState() == Bundle.ACTIVE, "the core active again");
                TestSetup.awaitListener();
            }
            Container.Result r = loop.get(60, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("calls=(\\d+) nodes=(\\d+) unexpected=(\\d+).*\n").matcher(r.out());
            assertTrue(r.toString(), m.matches());
            assertEquals(r.toString(), "0", m.group(3));
            assertTrue(r.toString(), Long.parseLong(m.group(1)) > 1000);
        }
    }
}
