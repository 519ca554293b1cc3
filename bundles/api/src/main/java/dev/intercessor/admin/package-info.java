/**
 * What operators see and steer of a running supervisor: the attached containers, the handlers,
 * each container's effective policy, per-syscall statistics and the recent decisions. The core
 * registers one {@link dev.intercessor.admin.Supervision} service; the shell commands and anything
 * else that administers Intercessor use it.
 */
@Export
@Version("1.3.0")
package dev.intercessor.admin;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
