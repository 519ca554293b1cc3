/* asuser: runs a command under another identity inside a test container, as an attacker would
 * set one up from the container's root.
 *
 *   asuser groups GID[,GID…] CMD…   supplementary groups GIDs only, then exec CMD
 *   asuser nested UID CMD…          become UID (no capabilities), make a nested user namespace
 *                                   where UID is root (full capabilities there), exec CMD
 * Prints "asuser: <step>: <errno name>" and exits 1 if a step fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "errnames.h"

static int fail(const char *step)
{
	char buf[16];

	printf("asuser: %s: %s\n", step, errno_name(errno, buf));
	return 1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	char map[64];
	gid_t groups[16];
	int n = 0;
	unsigned id;

	if (argc < 4)
		return fprintf(stderr, "usage: asuser groups GID[,GID...]|nested UID CMD...\n"), 2;
	if (strcmp(argv[1], "groups") == 0) {
		for (char *g = strtok(argv[2], ","); g && n < 16; g = strtok(NULL, ","))
			groups[n++] = (gid_t)strtoul(g, NULL, 10);
		if (setgroups(n, groups))
			return fail("setgroups");
	} else if (strcmp(argv[1], "nested") == 0) {
		id = (unsigned)strtoul(argv[2], NULL, 10);
		if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id))
			return fail("become the user");
		prctl(PR_SET_DUMPABLE, 1); /* a uid change made it non-dumpable: /proc/self is root's */
		if (unshare(CLONE_NEWUSER))
			return fail("unshare");
		snprintf(map, sizeof map, "0 %u 1\n", id);
		if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", map)
		    || write_file("/proc/self/gid_map", map))
			return fail("map");
	} else {
		return fprintf(stderr, "asuser: unknown mode %s\n", argv[1]), 2;
	}
	execv(argv[3], argv + 3);
	return fail("exec");
}
