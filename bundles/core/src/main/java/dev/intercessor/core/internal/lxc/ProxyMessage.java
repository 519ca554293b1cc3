package dev.intercessor.core.internal.lxc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One message of LXC's seccomp notify proxy protocol (LXC 4.0.5 and later, {@code lxcseccomp.h}):
 * {@code struct seccomp_notify_proxy_msg} — a reserved u64 (0), the monitor's and the container
 * init's pids, the kernel's {@code struct seccomp_notif_sizes} (three u16), the cookie's length
 * (u64) — then a {@code struct seccomp_notif}, a {@code struct seccomp_notif_resp} and the cookie,
 * in the host's byte order. The proxy answers with the header, the notification and the filled-in
 * response, and LXC sends that response to the kernel.
 *
 * @param header the first {@value #HEADER} bytes, sent back as they came
 * @param notif  the notification, {@code sizes.seccomp_notif} bytes
 * @param respSize {@code sizes.seccomp_notif_resp}
 * @param cookie {@code lxc.seccomp.notify.cookie}, or empty
 */
public record ProxyMessage(byte[] header, byte[] notif, int respSize, String cookie) {

    /** {@code sizeof(struct seccomp_notify_proxy_msg)} on 64-bit hosts: 8 + 4 + 4 + 3 × 2 (+2) + 8. */
    public static final int HEADER = 32;
    /** More than any kernel's structs: the sizes come from LXC, which asked the kernel. */
    private static final int STRUCT_MAX = 4096;
    private static final int NOTIF_MIN = 80;
    private static final int RESP_MIN = 24;
    private static final int DATA_MIN = 64;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    // struct seccomp_notify_proxy_msg's fields: __u64 __reserved; pid_t monitor_pid, init_pid;
    // struct seccomp_notif_sizes { __u16 seccomp_notif, seccomp_notif_resp, seccomp_data; }; __u64 cookie_len
    static final int RESERVED = 0;
    static final int MONITOR_PID = 8;
    static final int INIT_PID = 12;
    static final int NOTIF_SIZE = 16;
    static final int RESP_SIZE = 18;
    static final int DATA_SIZE = 20;
    static final int COOKIE_LENGTH = 24;
    /** {@code struct seccomp_notif}'s {@code __u64 id} ({@code include/uapi/linux/seccomp.h}) */
    static final int NOTIF_ID = 0;

    /**
     * @param length how many bytes of {@code message} came (a cookie cut short by a receive
     *               buffer that was too small is kept as far as it came)
     * @throws IllegalArgumentException with the reason, for a message that is not one
     */
    public static ProxyMessage parse(byte[] message, int length) {
        if (length < HEADER) {
            throw new IllegalArgumentException("a message of " + length + " bytes (a proxy message has " + HEADER + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(message, 0, length).order(ORDER);
        if (b.getLong(RESERVED) != 0) {
            throw new IllegalArgumentException("reserved header field not 0");
        }
        int notifSize = Short.toUnsignedInt(b.getShort(NOTIF_SIZE));
        int respSize = Short.toUnsignedInt(b.getShort(RESP_SIZE));
        int dataSize = Short.toUnsignedInt(b.getShort(DATA_SIZE));
        if (notifSize < NOTIF_MIN || respSize < RESP_MIN || dataSize < DATA_MIN
                || notifSize > STRUCT_MAX || respSize > STRUCT_MAX || dataSize > STRUCT_MAX) {
            throw new IllegalArgumentException("implausible seccomp struct sizes " + notifSize + "/" + respSize
                    + "/" + dataSize);
        }
        int base = HEADER + notifSize + respSize;
        if (length < base) {
            throw new IllegalArgumentException("a message of " + length + " bytes, " + base + " expected at least");
        }
        long cookieLength = b.getLong(COOKIE_LENGTH);
        if (cookieLength < 0 || cookieLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cookie length " + Long.toUnsignedString(cookieLength));
        }
        int cookieEnd = (int) Math.min(length, base + cookieLength);
        String cookie = new String(message, base, cookieEnd - base, StandardCharsets.UTF_8);
        int nul = cookie.indexOf('\0');
        return new ProxyMessage(Arrays.copyOf(message, HEADER), Arrays.copyOfRange(message, HEADER, HEADER + notifSize),
                respSize, nul >= 0 ? cookie.substring(0, nul) : cookie);
    }

    public int monitorPid() {
        return ByteBuffer.wrap(header).order(ORDER).getInt(MONITOR_PID);
    }

    public int initPid() {
        return ByteBuffer.wrap(header).order(ORDER).getInt(INIT_PID);
    }

    /** @return the notification's id ({@code seccomp_notif.id}) */
    public long id() {
        return ByteBuffer.wrap(notif).order(ORDER).getLong(NOTIF_ID);
    }

    /**
     * @return the answer: header, notification, then {@code seccomp_notif_resp} {id, val, error,
     *         flags} (zero-filled to the kernel's size), what LXC reads back as one record
     */
    public byte[] reply(long value, int error, int flags) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + notif.length + respSize).order(ORDER);
        b.put(header).put(notif);
        // struct seccomp_notif_resp: __u64 id; __s64 val; __s32 error; __u32 flags
        b.putLong(id()).putLong(value).putInt(error).putInt(flags);
        return b.array();
    }

    /**
     * @return the cookie as policy lines ({@code key=value} each): LXC's config value is one line,
     *         so its {@code key=value} pairs are separated by blanks or semicolons there
     */
    public String cookieLines() {
        return String.join("\n", cookie.trim().split("[\\s;]+"));
    }
}
