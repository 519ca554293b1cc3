package dev.intercessor.core.internal.dispatch;

import java.util.List;

import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.SyscallHandler;

/**
 * One registered {@link SyscallHandler} and what its service properties say.
 *
 * @param name             policy name ({@code intercessor.handler})
 * @param syscalls         syscall names served
 * @param enabledByDefault on unless policy says otherwise
 * @param unsafe           marked {@code intercessor.unsafe}
 * @param slow             marked {@code intercessor.slow}: run off the notify threads
 * @param ranking          {@code service.ranking}
 * @param serviceId        {@code service.id}
 * @param bundle           symbolic name and version of the registering bundle
 * @param handler          the service object
 * @param options          the options it declares under its name
 * @param enabled          its {@code <name>.enabled} option, {@code null} if the name is malformed
 */
public record HandlerBinding(String name, List<String> syscalls, boolean enabledByDefault,
        boolean unsafe, boolean slow, int ranking, long serviceId, String bundle, SyscallHandler handler,
        List<HandlerOption<?>> options, HandlerOption<Boolean> enabled) {

    /** A binding that declares no options. */
    public HandlerBinding(String name, List<String> syscalls, boolean enabledByDefault, boolean unsafe,
            boolean slow, int ranking, long serviceId, String bundle, SyscallHandler handler) {
        this(name, syscalls, enabledByDefault, unsafe, slow, ranking, serviceId, bundle, handler, List.of());
    }

    /** A binding whose {@link #enabled} option follows from its name and {@link #onByDefault()}. */
    public HandlerBinding(String name, List<String> syscalls, boolean enabledByDefault, boolean unsafe,
            boolean slow, int ranking, long serviceId, String bundle, SyscallHandler handler,
            List<HandlerOption<?>> options) {
        this(name, syscalls, enabledByDefault, unsafe, slow, ranking, serviceId, bundle, handler, options,
                enabledOption(name, enabledByDefault && !unsafe));
    }

    /** @return the core's {@code <name>.enabled} option of a handler, {@code null} for a malformed name */
    private static HandlerOption<Boolean> enabledOption(String name, boolean onByDefault) {
        try {
            return HandlerOption.bool(name + ".enabled", onByDefault, "whether handler " + name
                    + " serves the container's calls (off: the kernel answers them)");
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * @return whether the handler serves a container the operator said nothing about: an unsafe
     *         handler never does, whatever it declares
     */
    public boolean onByDefault() {
        return enabledByDefault && !unsafe;
    }

    /** @return whether this binding wins over {@code other} for a syscall both claim */
    boolean beats(HandlerBinding other) {
        if (ranking != other.ranking) {
            return ranking > other.ranking;
        }
        return serviceId < other.serviceId;
    }
}
