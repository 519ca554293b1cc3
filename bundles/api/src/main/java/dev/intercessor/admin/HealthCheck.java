package dev.intercessor.admin;

/**
 * One of the supervisor's health checks, as a liveness probe reads it.
 *
 * @param name   what is checked ({@code oci-listener}, {@code lxc-listener}, {@code notify-threads},
 *               {@code handlers})
 * @param ok     whether it is healthy
 * @param detail what was found, in a few words
 * @since 1.3
 */
public record HealthCheck(String name, boolean ok, String detail) {
}
