package dev.intercessor.admin;

import java.util.List;

/**
 * A registered handler service.
 *
 * @param name             its policy name ({@code intercessor.handler}), or {@code null} if missing
 * @param syscalls         the syscalls it claims
 * @param bundle           symbolic name and version of the bundle that registered it
 * @param serviceId        {@code service.id}
 * @param ranking          {@code service.ranking}
 * @param enabledByDefault on for a container whose policy does not say
 * @param unsafe           marked {@code intercessor.unsafe}
 * @param serving          the syscalls it actually serves
 * @param problems         why it serves less than it claims (empty when it serves all)
 */
public record HandlerInfo(String name, List<String> syscalls, String bundle, long serviceId,
        int ranking, boolean enabledByDefault, boolean unsafe, List<String> serving,
        List<String> problems) {

    /** @return {@code serving}, {@code partial} or {@code rejected} */
    public String state() {
        return problems.isEmpty() ? "serving" : serving.isEmpty() ? "rejected" : "partial";
    }
}
