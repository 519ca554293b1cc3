package dev.intercessor.profile;

/** Input that is not JSON (RFC 8259): the message names the line and column. */
final class JsonException extends Exception {

    private static final long serialVersionUID = 1L;

    JsonException(String message) {
        super(message);
    }
}
