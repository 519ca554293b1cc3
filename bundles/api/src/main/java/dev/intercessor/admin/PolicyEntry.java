package dev.intercessor.admin;

/**
 * One effective policy key of a container.
 *
 * @param key         e.g. {@code mknod.enabled}
 * @param value       the value in effect ({@code null}: bounded, but nothing sets it)
 * @param source      where it came from ({@code null} with no value)
 * @param bound       the most the container's own annotations and listener metadata may ask for
 *                    ({@code null}: they cannot set this key)
 * @param boundSource where the bound comes from ({@code null} with no bound)
 * @since 1.1
 */
public record PolicyEntry(String key, String value, Source source, String bound, Source boundSource) {

    /** An entry whose bound is not known. */
    public PolicyEntry(String key, String value, Source source) {
        this(key, value, source, null, null);
    }

    /** Where a policy value comes from, highest precedence first. */
    public enum Source {
        /** set for this container at runtime by an operator ({@link Supervision#setPolicy}) */
        RUNTIME,
        /** the container's OCI annotation {@code dev.intercessor.<key>}, narrowed to the bound */
        ANNOTATION,
        /** a {@code key=value} line of the container's seccomp {@code listenerMetadata}, narrowed to the bound */
        METADATA,
        /** the global configuration ({@code dev.intercessor.policy}) */
        GLOBAL,
        /** the handler's default */
        DEFAULT
    }
}
