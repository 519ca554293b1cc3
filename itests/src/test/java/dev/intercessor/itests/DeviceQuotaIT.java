package dev.intercessor.itests;

import static org.junit.Assert.assertEquals;

import java.util.Dictionary;
import java.util.Hashtable;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Finding 5 of the security review: device nodes made usable from the supervisor's store are
 * counted per container. One container's flood ends in ENOSPC with no node left behind, and another
 * container's /dev nodes still work.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeviceQuotaIT extends HandlerIT {

    @Inject
    private ConfigurationAdmin configAdmin;

    private Dictionary<String, Object> core;

    @Before
    public void setUp() throws Exception {
        startHandler(TestSetup.MKNOD, "mknod");
        Configuration c = configAdmin.getConfiguration(TestSetup.CORE, "?");
        core = c.getProperties();
        Hashtable<String, Object> small = new Hashtable<>();
        for (java.util.Enumeration<String> keys = core.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            small.put(key, core.get(key));
        }
        small.put("deviceNodesPerContainer", 3);
        c.update(small);
        Thread.sleep(1000); // ConfigAdmin delivers @Modified asynchronously
    }

    @After
    public void restore() throws Exception {
        configAdmin.getConfiguration(TestSetup.CORE, "?").update(core);
    }

    @Test
    public void aFloodOfNodesEndsInEnospcWithNoNodeLeftAndOthersStillWork() throws Exception {
        String make = "for i in 1 2 3 4 5; do mknod /dev/n$i c 1 3 2>/dev/null && echo made || echo refused; done; "
                + "ls /dev | grep -c '^n[0-9]'; echo hello > /dev/n3 && echo n3-opens";
        try (Container flood = Container.start(id("flood")); Container other = Container.start(id("other"))) {
            Container.Result r = flood.exec(make);
            assertEquals(r.toString(), "made\nmade\nmade\nrefused\nrefused\n3\nn3-opens\n", r.out());
            r = other.exec("mknod /dev/mine c 1 3 && echo hello > /dev/mine && echo opens");
            assertEquals("another container's quota is its own: " + r, "opens\n", r.out());
        }
    }
}
