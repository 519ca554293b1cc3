/**
 * Fakes of the Intercessor API for unit tests of {@link dev.intercessor.api.SyscallHandler}s,
 * without a kernel, a container or a test framework:
 * {@link dev.intercessor.api.testing.FakeTarget} (the caller: memory, identity, cgroups, recorded
 * privileged actions), {@link dev.intercessor.api.testing.FakeCallerFs} (file work as the caller),
 * {@link dev.intercessor.api.testing.Notifications} (trapped calls),
 * {@link dev.intercessor.api.testing.MapPolicy} (a container's policy) and
 * {@link dev.intercessor.api.testing.FakeBpf} (the core's {@code bpf(2)} service).
 *
 * <pre>{@code
 * FakeTarget target = new FakeTarget().credentials(FakeTarget.identity(100000, 100000, Capability.MKNOD));
 * target.fs().devicesOpen(true);
 * long path = target.putString("/dev/null");
 * Response r = new MknodHandler().handle(
 *         Notifications.call("mknodat").args(Target.AT_FDCWD, path, 020666, 0x103), target, new MapPolicy());
 * assertEquals(Response.Kind.VALUE, r.kind());
 * assertEquals("/dev/null", target.fs().operations("mknod").get(0).path());
 * }</pre>
 */
package dev.intercessor.api.testing;
