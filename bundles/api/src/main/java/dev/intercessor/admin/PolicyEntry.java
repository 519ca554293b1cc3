package dev.intercessor.admin;

/**
 * One effective policy key of a container.
 *
 * @param key    e.g. {@code mknod.enabled}
 * @param value  the value in effect
 * @param source where it came from
 */
public record PolicyEntry(String key, String value, Source source) {

    /** Where a policy value comes from, highest precedence first. */
    public enum Source {
        /** set for this container at runtime ({@link Supervision#setPolicy}) */
        RUNTIME,
        /** the container's OCI annotation {@code dev.intercessor.<key>} */
        ANNOTATION,
        /** a {@code key=value} line of the container's seccomp {@code listenerMetadata} */
        METADATA,
        /** the global configuration ({@code dev.intercessor.policy}) */
        GLOBAL,
        /** the handler's default */
        DEFAULT
    }
}
