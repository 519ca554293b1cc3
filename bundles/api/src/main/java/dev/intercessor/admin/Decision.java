package dev.intercessor.admin;

/** How a trapped call was answered. */
public enum Decision {
    /** handed back to the kernel, which ran it */
    CONTINUED,
    /** a handler performed it and answered with the result */
    EMULATED,
    /** answered with an errno without the kernel running it */
    REFUSED
}
