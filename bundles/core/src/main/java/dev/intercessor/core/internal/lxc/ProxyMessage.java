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
        if (b.getLong(0) != 0) {
            throw new IllegalArgumentException("reserved header field not 0");
        }
        int notifSize = Short.toUnsignedInt(b.getShort(16));
        int respSize = Short.toUnsignedInt(b.getShort(18));
        int dataSize = Short.toUnsignedInt(b.getShort(20));
        if (notifSize < NOTIF_MIN || respSize < RESP_MIN || dataSize < DATA_MIN
                || notifSize > STRUCT_MAX || respSize > STRUCT_MAX || dataSize > STRUCT_MAX) {
            throw new IllegalArgumentException("implausible seccomp struct sizes " + notifSize + "/" + respSize
                    + "/" + dataSize);
        }
        int base = HEADER + notifSize + respSize;
        if (length < base) {
            throw new IllegalArgumentException("a message of " + length + " bytes, " + base + " expected at least");
        }
        long cookieLength = b.getLong(24);
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
        return ByteBuffer.wrap(header).order(ORDER).getInt(8);
    }

    public int initPid() {
        return ByteBuffer.wrap(header).order(ORDER).getInt(12);
    }

    /** @return the notification's id ({@code seccomp_notif.id}) */
    public long id() {
        return ByteBuffer.wrap(notif).order(ORDER).getLong(0);
    }

    /**
     * @return the answer: header, notification, then {@code seccomp_notif_resp} {id, val, error,
     *         flags} (zero-filled to the kernel's size), what LXC reads back as one record
     */
    public byte[] reply(long value, int error, int flags) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + notif.length + respSize).order(ORDER);
        b.put(header).put(notif);
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
