package dev.intercessor.admin;

/**
 * One option a registered handler declares ({@code dev.intercessor.api.HandlerOption}), as
 * operators see it: what values the key takes, so one that would be refused is not written.
 *
 * @param key         {@code <handler>.<option>}, e.g. {@code bpf.maxPrograms}
 * @param type        {@code boolean}, {@code number}, {@code list} or {@code text}
 * @param defaultValue the value when nobody sets one, as it would be configured
 * @param accepts     what a value must be, e.g. {@code 0..4096} or {@code each element matches [a-z0-9._-]+}
 * @param description what it does
 * @since 1.2
 */
public record OptionInfo(String key, String type, String defaultValue, String accepts, String description) {
}
