package dev.intercessor.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Declares a Declarative Services component's {@link SyscallHandler} service properties in one
 * annotation:
 *
 * <pre>{@code
 * @Component
 * @HandlerProperties(handler = "mknod", syscalls = {"mknod", "mknodat"}, enabled_default = true)
 * public class MknodHandler implements SyscallHandler { ... }
 * }</pre>
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface HandlerProperties {

    /** Prefix of every property name: method {@code handler} becomes {@code intercessor.handler}. */
    String PREFIX_ = "intercessor.";

    /** @return the handler's name ({@link SyscallHandler#HANDLER}) */
    String handler();

    /** @return the syscall names served ({@link SyscallHandler#SYSCALLS}) */
    String[] syscalls();

    /** @return whether the handler is on by default ({@link SyscallHandler#ENABLED_BY_DEFAULT}) */
    boolean enabled_default() default false;

    /** @return whether the handler is marked unsafe ({@link SyscallHandler#UNSAFE}) */
    boolean unsafe() default false;

    /** @return whether the handler is slow ({@link SyscallHandler#SLOW}) */
    boolean slow() default false;
}
