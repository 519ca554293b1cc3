/**
 * The contract between Intercessor's core and the bundles that emulate system calls.
 *
 * <p>A handler bundle registers a {@link dev.intercessor.api.SyscallHandler} service (most easily
 * with {@link dev.intercessor.api.HandlerProperties} on a Declarative Services component). For
 * each trapped call the core gives it the {@link dev.intercessor.api.Notification}, a
 * {@link dev.intercessor.api.Target} to reach the calling process safely, and the container's
 * {@link dev.intercessor.api.Policy}; the handler answers with a {@link dev.intercessor.api.Response}.
 */
@Export
@Version("1.3.0")
package dev.intercessor.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
