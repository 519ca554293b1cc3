package dev.intercessor.api;

/** The Linux capabilities a handler may ask for while it acts as the caller. */
public enum Capability {
    CHOWN(0),
    DAC_OVERRIDE(1),
    DAC_READ_SEARCH(2),
    FOWNER(3),
    FSETID(4),
    MKNOD(27),
    SYS_ADMIN(21),
    SYS_NICE(23),
    SYS_RESOURCE(24);

    private final int number;

    Capability(int number) {
        this.number = number;
    }

    /** @return the kernel's capability number ({@code CAP_*}) */
    public int number() {
        return number;
    }

    /**
     * @param mask a capability set as the kernel prints it in {@code /proc/<pid>/status}
     * @return whether this capability is in the set
     */
    public boolean in(long mask) {
        return (mask & (1L << number)) != 0;
    }
}
