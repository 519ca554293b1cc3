package dev.intercessor.core.internal.linux;

import java.util.concurrent.atomic.AtomicReference;

import jnr.ffi.Pointer;

/**
 * The /proc handles of one caller thread, kept between its calls so that a busy caller does not
 * pay three opens per call. They are bound to the thread (its struct pid), never to its number:
 * a pidfd tells whether the thread still lives, and while it does, its number is its own.
 */
public final class CallerHandles {

    final int tid;
    final int pidfd;
    final int procDir;
    /** /proc/<tid>/mem and maps: bound to the memory the thread had when they were opened. */
    int mem = -1;
    int maps = -1;
    /** {@link ExecEvents#generation()} before {@link #mem} or {@link #maps} was opened. */
    long generation;

    CallerHandles(int tid, int pidfd, int procDir) {
        this.tid = tid;
        this.pidfd = pidfd;
        this.procDir = procDir;
    }

    /**
     * Opens thread {@code tid}'s /proc directory, then a pidfd for it.
     *
     * @return null if the thread is gone
     */
    static CallerHandles open(int tid) {
        int dir;
        try {
            dir = Linux.openat(Linux.AT_FDCWD, "/proc/" + tid, Linux.O_PATH | Linux.O_DIRECTORY);
        } catch (LinuxException e) {
            return null;
        }
        try {
            return new CallerHandles(tid, Linux.pidfdOpenThread(tid), dir);
        } catch (LinuxException e) {
            Linux.close(dir);
            return null;
        }
    }

    /** @return /proc/<tid>/mem, opened on first use */
    int mem(Cache cache) throws LinuxException {
        if (mem < 0) {
            startMemory(cache);
            // Read-write: writes go through it too, bound to the caller's process, not its pid.
            mem = Linux.openat(procDir, "mem", Linux.O_RDWR);
        }
        return mem;
    }

    /** @return /proc/<tid>/maps, opened on first use */
    int maps(Cache cache) throws LinuxException {
        if (maps < 0) {
            startMemory(cache);
            maps = Linux.openat(procDir, "maps", Linux.O_RDONLY);
        }
        return maps;
    }

    /** Before the first memory handle is opened: the exec generation both are good for. */
    private void startMemory(Cache cache) {
        if (mem < 0 && maps < 0 && cache != null) {
            // While the caller waits on this call it cannot exec: both handles reach the same memory.
            generation = cache.generation();
        }
    }

    void closeMemory() {
        Linux.close(mem);
        Linux.close(maps);
        mem = -1;
        maps = -1;
    }

    void close() {
        closeMemory();
        Linux.close(procDir);
        Linux.close(pidfd);
    }

    /**
     * What one thread's poll saw of a channel's cached handles while it waited for a call. Owned
     * by that thread, and good only for the call it received right after the poll.
     */
    public static final class Seen {
        CallerHandles handles;
        boolean ended;
    }

    /**
     * The last caller's handles, one per notify fd: a busy caller is most often the next one. Its
     * memory handles are kept only if exec events can be followed (else they are reopened per call).
     */
    public static final class Cache implements AutoCloseable {
        private final AtomicReference<CallerHandles> slot = new AtomicReference<>();
        private final ExecEvents execs;
        private volatile boolean closed;

        /** @param execs the host's exec events, or null if they cannot be followed */
        public Cache(ExecEvents execs) {
            this.execs = execs;
        }

        /**
         * @param watched the handles a poll since the call came in watched, or null
         * @param ended   whether that poll saw their thread end
         * @return the cached handles if they are thread {@code tid}'s, its memory handles dropped if
         *         any process has exec'd since they were opened; taken out of the cache
         */
        CallerHandles take(int tid, CallerHandles watched, boolean ended) {
            CallerHandles h = slot.getAndSet(null);
            if (h == null) {
                return null;
            }
            // A thread ended before its number went to the caller, so before the call was made: a
            // poll made since the call came in would have seen it end.
            if (h.tid != tid || (watched == h ? ended : !alive(h))) {
                h.close();
                return null;
            }
            if (h.mem >= 0 || h.maps >= 0) {
                if (execs == null || h.generation != execs.generation()) {
                    h.closeMemory();
                }
            }
            return h;
        }

        /** @return whether the thread lives; counts any exec in the same poll */
        private boolean alive(CallerHandles h) {
            Scratch scratch = Scratch.get();
            Pointer fds = scratch.pollfds;
            int n = entry(fds, 0, h.pidfd);
            if (execs != null) {
                n = entry(fds, n, execs.fd());
            }
            int ready = PollFds.pollNow(fds, n);
            if (ready < 0) {
                return false; // not vouched for: the handles are opened again
            }
            if (ready > 0) {
                if (revents(fds, 0) != 0) {
                    return false;
                }
                if (n > 1 && revents(fds, 1) != 0) {
                    execs.consume();
                }
            }
            return true;
        }

        /**
         * Waits up to {@code nanos} for the next notification on {@code notifyFd}, watching in the
         * same poll whether the cached thread ends and counting execs. {@code seen} then vouches for
         * the cached handles for the notification that follows, which needs no poll of its own.
         *
         * @param fds     room for three struct pollfd
         * @param timeout a struct timespec
         * @return the notify fd's poll events, 0 if none came in time
         */
        public int linger(int notifyFd, Pointer fds, Pointer timeout, long nanos, Seen seen) {
            CallerHandles h = slot.get(); // if taken or displaced meanwhile, take() will not match it
            seen.handles = h;
            seen.ended = false;
            long deadline = System.nanoTime() + nanos;
            long left = nanos;
            while (true) {
                int n = entry(fds, 0, notifyFd);
                int thread = -1;
                int exec = -1;
                if (h != null && !seen.ended) {
                    thread = n;
                    n = entry(fds, n, h.pidfd);
                }
                if (execs != null) {
                    exec = n;
                    n = entry(fds, n, execs.fd());
                }
                if (PollFds.poll(fds, n, timeout, left) <= 0) {
                    return 0; // time is up (or a signal)
                }
                if (thread >= 0 && revents(fds, thread) != 0) {
                    seen.ended = true;
                }
                if (exec >= 0 && revents(fds, exec) != 0) {
                    execs.consume();
                }
                int events = revents(fds, 0);
                if (events != 0) {
                    return events;
                }
                left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
            }
        }

        private static int entry(Pointer fds, int index, int fd) {
            return PollFds.watchReadable(fds, index, fd);
        }

        private static int revents(Pointer fds, int index) {
            return PollFds.revents(fds, index);
        }

        /** @return the generation memory handles opened now are valid for */
        long generation() {
            return execs == null ? 0 : execs.generation();
        }

        /** Keeps {@code handles} for the next call (closing whatever they displace). */
        void give(CallerHandles handles) {
            CallerHandles displaced = slot.getAndSet(handles);
            if (displaced != null) {
                displaced.close();
            }
            if (closed) { // closed meanwhile: nothing may stay behind
                close();
            }
        }

        @Override
        public void close() {
            closed = true;
            CallerHandles h = slot.getAndSet(null);
            if (h != null) {
                h.close();
            }
        }
    }
}
