package dev.intercessor.api.testing;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;

import org.junit.Test;

import dev.intercessor.api.Bpf;
import dev.intercessor.api.CgroupDirectory;
import dev.intercessor.api.Errno;
import dev.intercessor.api.SyscallException;

public class FakeBpfTest {

    private static final Bpf.Program PROGRAM = new Bpf.Program(Bpf.PROG_TYPE_CGROUP_DEVICE, new byte[16], "GPL", 0, 0, "p");

    @Test
    public void loadsGiveFreshDescriptorsAndIdsThatStayLoadedUntilUnloaded() throws Exception {
        FakeBpf bpf = new FakeBpf().verifierLog(new byte[] {'o', 'k'});
        Bpf.Loaded a = bpf.load(PROGRAM);
        Bpf.Loaded b = bpf.load(PROGRAM, new CgroupDirectory(Path.of("/m"), Path.of("/m/c"), 1));
        assertTrue(a.fd() >= 0 && b.fd() != a.fd());
        assertArrayEquals(new byte[] {'o', 'k'}, a.log());
        int id = bpf.programId(a.fd());
        assertTrue(bpf.isLoaded(id));
        bpf.unload(id);
        assertFalse(bpf.isLoaded(id));
        assertNull(bpf.loads().get(0).memory());
        assertEquals(Path.of("/m/c"), bpf.loads().get(1).memory().path());
        bpf.close(b.fd());
        assertTrue(bpf.closed(b.fd()));
        assertFalse(bpf.isLoaded(bpf.programId(b.fd())));
        assertThrows(IllegalArgumentException.class,
                () -> bpf.load(PROGRAM, new CgroupDirectory(Path.of("/u"), Path.of("/u/c"), 2)));
    }

    @Test
    public void refusalsAndAttachFailuresAreAsConfigured() {
        FakeBpf bpf = new FakeBpf().refuse(Errno.EACCES).failAttach(Errno.EBUSY);
        Bpf.Loaded refused = bpf.load(PROGRAM);
        assertEquals(-1, refused.fd());
        assertEquals(Errno.EACCES, refused.errno());
        assertEquals(Errno.EBUSY, assertThrows(SyscallException.class,
                () -> bpf.attach(3, 4, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI)).errno());
        assertEquals(Errno.EBUSY, assertThrows(SyscallException.class, () -> bpf.detach(3, 4, Bpf.CGROUP_DEVICE)).errno());
        assertEquals(2, bpf.attachments().size());
        assertTrue(bpf.attachments().get(0).attach());
        assertEquals(Errno.EBADF, assertThrows(SyscallException.class, () -> bpf.programId(99)).errno());
    }
}
