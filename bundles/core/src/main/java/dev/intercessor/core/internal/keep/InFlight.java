package dev.intercessor.core.internal.keep;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The calls a handler is deciding now, on channels the fd keeper holds: a small shared-memory
 * file beside the keeper's socket (tmpfs), one slot {kept key, notification id} per call, written
 * without a system call. It outlives the JVM: if the supervisor dies (a crash, SIGKILL, a stop that
 * did not wait for a slow handler) with calls received and not answered, the kernel would keep
 * those callers waiting for good, since the keeper keeps their listener open; the next supervisor
 * reads the slots and answers each call still waiting with EINTR.
 */
public final class InFlight implements AutoCloseable {

    private static final Logger LOG = System.getLogger("dev.intercessor.core.keeper");
    /** Calls decided at once, at most: beyond it a call is simply not recorded. */
    static final int SLOTS = 4096;
    /** A slot: the kept channel's key (u64, 0 when free) at {@link #KEY}, the call's id (u64) at {@link #ID}. */
    private static final int SLOT = 16;
    private static final int KEY = 0;
    private static final int ID = 8;

    /** A call recorded by an earlier run. */
    public record Call(long key, long id) {
    }

    private final FileChannel file;
    private final MappedByteBuffer slots;
    private final AtomicIntegerArray taken = new AtomicIntegerArray(SLOTS);
    private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();

    private InFlight(FileChannel file, MappedByteBuffer slots) {
        this.file = file;
        this.slots = slots;
    }

    /**
     * Opens (or makes, 0600) the file at {@code path}.
     *
     * @return the calls an earlier run left in it (the file is cleared), and the journal; or null if
     *         it cannot be had (logged: calls in flight at a crash then wait until killed)
     */
    public static InFlight open(Path path, List<Call> leftOver) {
        try {
            if (!Files.exists(path)) {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            MappedByteBuffer slots = file.map(FileChannel.MapMode.READ_WRITE, 0, (long) SLOTS * SLOT);
            slots.order(ByteOrder.nativeOrder());
            for (int i = 0; i < SLOTS; i++) {
                long key = slots.getLong(i * SLOT + KEY);
                long id = slots.getLong(i * SLOT + ID);
                if (key != 0) {
                    leftOver.add(new Call(key, id));
                }
                slots.putLong(i * SLOT + KEY, 0);
                slots.putLong(i * SLOT + ID, 0);
            }
            return new InFlight(file, slots);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "no in-flight journal at " + path + " (" + e.getMessage() + "): a call being "
                    + "decided when the supervisor dies is not answered by the next one");
            return null;
        }
    }

    /** @return the slot now holding the call, or -1 if every slot is taken (it is then not recorded) */
    public int begin(long key, long id) {
        for (int tries = 0; tries < SLOTS; tries++) {
            int i = Math.floorMod(next.getAndIncrement(), SLOTS);
            if (taken.compareAndSet(i, 0, 1)) {
                slots.putLong(i * SLOT + ID, id);
                slots.putLong(i * SLOT + KEY, key); // last: a slot with its key set is whole
                return i;
            }
        }
        return -1;
    }

    /** The call of {@code slot} is answered (or given up). */
    public void end(int slot) {
        if (slot < 0) {
            return;
        }
        slots.putLong(slot * SLOT + KEY, 0);
        taken.set(slot, 0);
    }

    /** @return the calls recorded now (for tests) */
    List<Call> now() {
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < SLOTS; i++) {
            if (slots.getLong(i * SLOT + KEY) != 0) {
                calls.add(new Call(slots.getLong(i * SLOT + KEY), slots.getLong(i * SLOT + ID)));
            }
        }
        return calls;
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
