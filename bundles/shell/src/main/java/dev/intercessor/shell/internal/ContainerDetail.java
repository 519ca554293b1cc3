package dev.intercessor.shell.internal;

import java.util.List;

import dev.intercessor.admin.ContainerInfo;
import dev.intercessor.admin.PolicyEntry;

/**
 * What {@code container <id>} returns: the container and its effective policy.
 *
 * @param info   the container, with its processes
 * @param policy its effective policy, with the source of each value
 */
public record ContainerDetail(ContainerInfo info, List<PolicyEntry> policy) {

    public ContainerDetail {
        policy = List.copyOf(policy);
    }
}
