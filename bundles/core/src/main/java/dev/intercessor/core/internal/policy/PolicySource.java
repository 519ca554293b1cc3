package dev.intercessor.core.internal.policy;

/** Where a policy value came from, in order of precedence. */
public enum PolicySource {
    ANNOTATION,
    METADATA,
    GLOBAL,
    DEFAULT
}
