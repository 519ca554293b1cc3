package dev.intercessor.shell.internal;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/**
 * Prints what the commands return, in the console, in the remote shell and in pipes: the admin
 * records of {@code dev.intercessor.admin} as aligned tables ({@code INSPECT}) and lines
 * ({@code LINE}). Gogo asks every converter in turn; this one answers {@code null} for anything
 * else.
 */
@Component(service = Converter.class, property = {
        Converter.CONVERTER_CLASSES + "=dev.intercessor.admin.ContainerInfo",
        Converter.CONVERTER_CLASSES + "=dev.intercessor.admin.HandlerInfo",
        Converter.CONVERTER_CLASSES + "=dev.intercessor.admin.PolicyEntry",
        Converter.CONVERTER_CLASSES + "=dev.intercessor.admin.SyscallStats",
        Converter.CONVERTER_CLASSES + "=dev.intercessor.admin.CallRecord",
        Converter.CONVERTER_CLASSES + "=dev.intercessor.admin.HealthCheck",
        Converter.CONVERTER_CLASSES + "=dev.intercessor.shell.internal.ContainerDetail",
        Converter.CONVERTER_CLASSES + "=dev.intercessor.shell.internal.RecordList" })
public class AdminConverter implements Converter {

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null; // nothing is made from strings: commands take container ids and keys as text
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return AdminText.local().format(target, level);
    }
}
