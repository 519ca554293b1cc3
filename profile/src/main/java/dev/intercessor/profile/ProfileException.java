package dev.intercessor.profile;

/** A base profile or an option this tool cannot use; the message is one line and names the cause. */
final class ProfileException extends Exception {

    private static final long serialVersionUID = 1L;

    ProfileException(String message) {
        super(message);
    }
}
