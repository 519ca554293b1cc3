package dev.intercessor.api.testing;

/** Where a test starts a {@link FakeNotification}: {@code Notifications.call("mknodat").args(…)}. */
public final class Notifications {

    private Notifications() {
    }

    /**
     * @param syscall the call's name, e.g. {@code mknodat}
     * @return a notification of that call with the defaults of {@link FakeNotification}
     */
    public static FakeNotification call(String syscall) {
        return new FakeNotification(syscall);
    }
}
