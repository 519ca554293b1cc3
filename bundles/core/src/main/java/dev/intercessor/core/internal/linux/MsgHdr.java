package dev.intercessor.core.internal.linux;

import jnr.ffi.Pointer;

/**
 * {@code struct msghdr} as {@code sendmsg(2)}/{@code recvmsg(2)} take it ({@code struct
 * user_msghdr}, {@code include/linux/socket.h}) on a 64-bit host: name, namelen (+4 padding),
 * iov, iovlen, control, controllen, flags; 56 bytes. A codec over memory the caller reuses: the
 * LXC relay receives one message per call.
 */
final class MsgHdr {

    static final int SIZE = 56;
    static final int NAME = 0;
    static final int NAME_LENGTH = 8;
    static final int IOV = 16;
    static final int IOV_LENGTH = 24;
    static final int CONTROL = 32;
    static final int CONTROL_LENGTH = 40;
    static final int FLAGS = 48;

    private MsgHdr() {
    }

    /** Zeroes {@code msg} and points it at {@code iovCount} iovecs and a control buffer (or none). */
    static void set(Pointer msg, Pointer iov, int iovCount, Pointer control, long controlLength) {
        msg.setMemory(0, SIZE, (byte) 0);
        msg.putAddress(IOV, iov.address());
        msg.putLong(IOV_LENGTH, iovCount);
        if (control != null) {
            msg.putAddress(CONTROL, control.address());
            msg.putLong(CONTROL_LENGTH, controlLength);
        }
    }

    /** @return {@code msg_flags} as recvmsg left them ({@code MSG_TRUNC}, {@code MSG_CTRUNC}) */
    static int flags(Pointer msg) {
        return msg.getInt(FLAGS);
    }

    /** @return {@code msg_controllen}: after recvmsg, how much control data came */
    static long controlLength(Pointer msg) {
        return msg.getLong(CONTROL_LENGTH);
    }
}
