package dev.intercessor.core.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import dev.intercessor.api.HandlerOption;
import dev.intercessor.api.SyscallHandler;
import dev.intercessor.core.internal.dispatch.HandlerBinding;

/** Reads a {@link SyscallHandler} service's properties and options into a {@link HandlerBinding}. */
final class HandlerServices {

    private static final Logger LOG = System.getLogger("dev.intercessor.core");

    private HandlerServices() {
    }

    static HandlerBinding binding(SyscallHandler handler, ServiceReference<SyscallHandler> r) {
        Object ranking = r.getProperty(Constants.SERVICE_RANKING);
        String name = r.getProperty(SyscallHandler.HANDLER) instanceof String s ? s : null;
        Bundle bundle = r.getBundle();
        String from = bundle == null ? "?" : bundle.getSymbolicName() + " " + bundle.getVersion();
        return new HandlerBinding(name, strings(r.getProperty(SyscallHandler.SYSCALLS)),
                bool(r.getProperty(SyscallHandler.ENABLED_BY_DEFAULT)), bool(r.getProperty(SyscallHandler.UNSAFE)),
                bool(r.getProperty(SyscallHandler.SLOW)),
                ranking instanceof Integer ? (Integer) ranking : 0,
                (Long) r.getProperty(Constants.SERVICE_ID), from, handler, options(handler, name, from));
    }

    /** The options a handler declares under its own name; the others are logged and left out. */
    private static List<HandlerOption<?>> options(SyscallHandler handler, String name, String from) {
        List<HandlerOption<?>> declared;
        try {
            declared = List.copyOf(handler.options());
        } catch (RuntimeException | LinkageError e) { // LinkageError: built against an API without options()
            LOG.log(Level.WARNING, "handler " + name + " from " + from + ": its options() failed; it has none", e);
            return List.of();
        }
        List<HandlerOption<?>> kept = new ArrayList<>();
        for (HandlerOption<?> option : declared) {
            if (!option.handler().equals(name) || option.key().equals(name + ".enabled")) {
                LOG.log(Level.WARNING, () -> "handler " + name + " from " + from + " declares option " + option.key()
                        + ", which is not one of its own (<" + name + ">.<option>, .enabled is the core's): ignored");
            } else {
                kept.add(option);
            }
        }
        return kept;
    }

    private static boolean bool(Object value) {
        return value instanceof Boolean ? (Boolean) value : Boolean.parseBoolean(String.valueOf(value));
    }

    private static List<String> strings(Object value) {
        if (value instanceof String[]) {
            return List.of((String[]) value);
        }
        if (value instanceof String) {
            return Arrays.stream(((String) value).split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).toList();
        }
        if (value instanceof Collection) {
            return ((Collection<?>) value).stream().map(String::valueOf).toList();
        }
        return List.of();
    }

}
