package dev.intercessor.profile;

/**
 * A JSON number as it was written. Seccomp argument values go up to 2^64-1 and are copied, never
 * computed with: keeping the text keeps them exact.
 */
record JsonNumber(String text) {

    @Override
    public String toString() {
        return text;
    }
}
