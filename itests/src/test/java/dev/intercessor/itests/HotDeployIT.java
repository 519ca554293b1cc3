package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.Supervision;

/**
 * Hot deploy under load: containers call trapped syscalls in tight loops while their handler
 * bundles are updated, stopped and started, and uninstalled and installed again, 20 times each.
 * Every call must be answered (none hangs, none gets an answer neither the handler nor the kernel
 * would give), the calls made in each container must equal the answers the supervisor counted,
 * and the audit log must account for every emulated or refused call, rotated: a line each, or
 * (beyond the container's audit rate) a count in its summary lines.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotDeployIT extends HandlerIT {

    private static final int CYCLES = 20;
    private static final long AUDIT_MAX_BYTES = 256 * 1024;
    private static final Pattern RESULT = Pattern.compile("calls=(\\d+) unexpected=(\\d+)\n");

    @Inject
    private Supervision supervision;

    @Inject
    private ConfigurationAdmin configAdmin;

    private Path auditDir;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
        startHandler(TestSetup.SYSINFO, "sysinfo");
        auditDir = TestSetup.AUDIT_LOG.resolveSibling("hotdeploy-" + UUID.randomUUID().toString().substring(0, 8));
        audit(auditDir.resolve("audit.log"), AUDIT_MAX_BYTES, 1000);
        Thread.sleep(500); // the new audit file applies from the next record
    }

    @After
    public void tearDown() throws Exception {
        audit(TestSetup.AUDIT_LOG, 10L * 1024 * 1024, 5);
        for (String bsn : List.of(TestSetup.MKNOD, TestSetup.SYSINFO)) {
            Bundle b = TestSetup.installed(context, bsn);
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        }
    }

    private void audit(Path path, long maxBytes, int files) throws Exception {
        Configuration c = configAdmin.getConfiguration("dev.intercessor.audit", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", path.toString());
        p.put("maxBytes", maxBytes);
        p.put("files", files);
        p.put("summarySeconds", 1);
        c.update(p);
    }

    @Test
    public void handlerBundlesComeAndGoWhileCallsAreInFlight() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try (Container sysinfo = Container.start(id("sysinfo")); Container mknod = Container.start(id("mknod"))) {
            Future<Container.Result> s = callers.submit(() -> sysinfo.exec("/opt/t/calltest 25 sysinfo"));
            Future<Container.Result> m = callers.submit(() -> mknod.exec("/opt/t/calltest 25 mknodat"));
            Thread.sleep(1000); // both loops are calling

            long start = System.nanoTime();
            for (int i = 0; i < CYCLES; i++) {
                for (String bsn : List.of(TestSetup.SYSINFO, TestSetup.MKNOD)) {
                    Bundle b = TestSetup.installed(context, bsn);
                    b.update(); // the same jar again: a new class loader, a new handler
                    Thread.sleep(30);
                    b.stop();
                    Thread.sleep(30);
                    b.start();
                    Thread.sleep(30);
                    String location = b.getLocation();
                    b.uninstall();
                    Thread.sleep(30);
                    context.installBundle(location).start();
                    Thread.sleep(30);
                }
            }
            long cyclesMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue("the loops outlasted the " + cyclesMillis + " ms of redeploying",
                    !s.isDone() && !m.isDone());

            Container.Result sr = s.get(60, TimeUnit.SECONDS); // a hung call would keep the loop here
            Container.Result mr = m.get(60, TimeUnit.SECONDS);
            long sysinfoCalls = calls(sr);
            long mknodCalls = calls(mr);

            // Every call made in the container was answered exactly once, as the supervisor counts.
            ContainerInfo si = supervision.container(sysinfo.id()).orElseThrow();
            ContainerInfo mi = supervision.container(mknod.id()).orElseThrow();
            assertEquals(si.toString(), sysinfoCalls, si.emulated() + si.refused() + si.continued());
            assertEquals(mi.toString(), mknodCalls, mi.emulated() + mi.refused() + mi.continued());
            assertEquals(si.seen(), si.emulated() + si.refused() + si.continued());
            assertTrue("some calls were emulated: " + si, si.emulated() > 0);
            assertTrue("some went to the kernel while the handler was away: " + si, si.continued() > 0);
            assertTrue("mknod emulated some: " + mi, mi.emulated() + mi.refused() > 0);
            assertTrue("and left some to the kernel: " + mi, mi.continued() > 0);

            // Every emulated or refused call is in the audit log, across the rotated files: as a line
            // of its own, or counted in a summary once the container is over its rate.
            TestSetup.waitFor(() -> accounted(sysinfo.id()) == si.emulated() + si.refused()
                    && accounted(mknod.id()) == mi.emulated() + mi.refused(), "the audit log to catch up");
            assertTrue("the loops went beyond their audit rate", suppressed(sysinfo.id()) > 0 && suppressed(mknod.id()) > 0);
            List<Path> files;
            try (Stream<Path> list = Files.list(auditDir)) {
                files = list.sorted().toList();
            }
            assertTrue("rotated: " + files, files.size() >= 2);
            for (Path f : files) {
                try {
                    long size = Files.size(f);
                    assertTrue(f + " is " + size + " bytes", size <= AUDIT_MAX_BYTES);
                } catch (java.nio.file.NoSuchFileException e) {
                    // a summary line rotated it away meanwhile
                }
            }
            System.out.printf("hot deploy: %d cycles in %d ms; sysinfo %d calls (%d emulated, %d kernel), "
                    + "mknodat %d calls (%d emulated, %d refused, %d kernel); %d audit files%n", CYCLES,
                    cyclesMillis, sysinfoCalls, si.emulated(), si.continued(), mknodCalls, mi.emulated(),
                    mi.refused(), mi.continued(), files.size());
        } finally {
            callers.shutdownNow();
        }
    }

    private static long calls(Container.Result r) {
        Matcher m = RESULT.matcher(r.out());
        assertTrue(r.toString(), r.exit() == 0 && m.matches());
        assertEquals("answers neither the handler nor the kernel would give: " + r, "0", m.group(2));
        return Long.parseLong(m.group(1));
    }

    /** @return the container's calls in the audit log: its lines plus the counts in its summaries */
    private long accounted(String containerId) throws Exception {
        List<String> lines = AuditFiles.lines(auditDir);
        return AuditFiles.records(lines, containerId).size() + AuditFiles.suppressed(lines, containerId);
    }

    private long suppressed(String containerId) throws Exception {
        return AuditFiles.suppressed(AuditFiles.lines(auditDir), containerId);
    }
}
