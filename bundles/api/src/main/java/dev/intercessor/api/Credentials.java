package dev.intercessor.api;

/**
 * The identity of the calling thread, read from {@code /proc/<pid>/status}. User and group ids
 * are host ids (as the supervisor sees them); capability sets are relative to the caller's own
 * user namespace.
 *
 * @param uid         real user id
 * @param euid        effective user id
 * @param fsuid       filesystem user id: the owner of files the caller creates
 * @param gid         real group id
 * @param egid        effective group id
 * @param fsgid       filesystem group id
 * @param capEffective effective capability mask
 * @param umask       file mode creation mask
 */
public record Credentials(int uid, int euid, int fsuid, int gid, int egid, int fsgid,
        long capEffective, int umask) {

    /**
     * @param capability a capability
     * @return whether the caller holds it in its effective set (in its own user namespace)
     */
    public boolean has(Capability capability) {
        return capability.in(capEffective);
    }
}
