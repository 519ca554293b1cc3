package dev.intercessor.handler.mount;

/**
 * What a {@code mount(2)} call asks for, from its flags: a new superblock (the only kind this
 * handler emulates) or something the kernel judges itself for a user namespace (bind, remount,
 * move, propagation), and the per-mount attributes a new mount gets.
 */
record MountFlags(long raw) {

    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_REMOUNT = 32;
    static final long MS_NOATIME = 1024;
    static final long MS_NODIRATIME = 2048;
    static final long MS_BIND = 4096;
    static final long MS_MOVE = 8192;
    static final long MS_REC = 16384;
    static final long MS_SILENT = 32768;
    static final long MS_UNBINDABLE = 1L << 17;
    static final long MS_PRIVATE = 1L << 18;
    static final long MS_SLAVE = 1L << 19;
    static final long MS_SHARED = 1L << 20;
    static final long MS_RELATIME = 1L << 21;
    static final long MS_STRICTATIME = 1L << 24;
    static final long MS_LAZYTIME = 1L << 25;
    /** The magic number old callers put in the upper half; the kernel strips it. */
    static final long MS_MGC_MSK = 0xffff0000L;
    static final long MS_MGC_VAL = 0xC0ED0000L;

    private static final long NOT_A_NEW_MOUNT = MS_REMOUNT | MS_BIND | MS_MOVE | MS_UNBINDABLE | MS_PRIVATE
            | MS_SLAVE | MS_SHARED;
    /** What a new mount may carry: the attributes honoured, and those that change nothing here. */
    private static final long ALLOWED = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME
            | MS_NODIRATIME | MS_SILENT | MS_RELATIME | MS_STRICTATIME | MS_LAZYTIME;

    /** @return the flags as the kernel reads them: the old magic number removed */
    long flags() {
        return (raw & MS_MGC_MSK) == MS_MGC_VAL ? raw & ~MS_MGC_MSK : raw;
    }

    /** @return whether the call creates a new superblock (else: the kernel's business) */
    boolean newMount() {
        return (flags() & NOT_A_NEW_MOUNT) == 0;
    }

    /** @return the flags a new mount may not carry here (0 if none) */
    long unsupported() {
        return flags() & ~ALLOWED;
    }

    boolean readOnly() {
        return (flags() & MS_RDONLY) != 0;
    }

    boolean noExec() {
        return (flags() & MS_NOEXEC) != 0;
    }

    boolean noAtime() {
        return (flags() & MS_NOATIME) != 0;
    }
}
