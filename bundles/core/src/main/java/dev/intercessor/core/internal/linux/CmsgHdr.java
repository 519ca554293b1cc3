package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * {@code struct cmsghdr} ({@code include/linux/socket.h}), one control message of a msghdr's
 * chain: {@code cmsg_len} (a {@code size_t}: header and data), {@code cmsg_level},
 * {@code cmsg_type}, then the data; each message starts {@code sizeof(long)}-aligned
 * ({@code CMSG_ALIGN}). A codec at an offset of the caller's control buffer, on a 64-bit host.
 */
final class CmsgHdr {

    static final int LENGTH = 0;
    static final int LEVEL = 8;
    static final int TYPE = 12;
    /** {@code CMSG_LEN(0)}: where the data starts. */
    static final int HEADER = 16;

    private CmsgHdr() {
    }

    /** @return {@code CMSG_ALIGN(n)} */
    static long align(long n) {
        return (n + 7) & ~7L;
    }

    /** @return {@code CMSG_LEN(dataLength)}: what {@code cmsg_len} says */
    static int length(int dataLength) {
        return HEADER + dataLength;
    }

    /** @return {@code CMSG_SPACE(dataLength)}: the room one message takes in the buffer */
    static int space(int dataLength) {
        return (int) (HEADER + align(dataLength));
    }

    /** Writes one {@code SOL_SOCKET}/{@code SCM_RIGHTS} message carrying {@code fds} at {@code control}. */
    static void putRights(Pointer control, int[] fds) {
        control.putLong(LENGTH, length(4 * fds.length));
        control.putInt(LEVEL, Linux.SOL_SOCKET);
        control.putInt(TYPE, Linux.SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
            control.putInt(HEADER + 4L * i, fds[i]);
        }
    }

    static long length(Pointer control, long at) {
        return control.getLong(at + LENGTH);
    }

    static int level(Pointer control, long at) {
        return control.getInt(at + LEVEL);
    }

    static int type(Pointer control, long at) {
        return control.getInt(at + TYPE);
    }

    /** @return the {@code index}th descriptor of the {@code SCM_RIGHTS} message at {@code at} */
    static int rightsFd(Pointer control, long at, int index) {
        return control.getInt(at + HEADER + 4L * index);
    }
}
