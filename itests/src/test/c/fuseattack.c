/* fuseattack: what a container's root tries against the FUSE server serving its mount, from
 * inside the container (docs/MOUNT-TO-FUSE.md).
 *
 *   fuseattack SERVER HOST_PORT
 *
 * Finds the server in the container's /proc (its command line starts with "SERVER\0/image\0"),
 * then tries to ptrace it (attach, seize), read its memory (process_vm_readv, /proc/<pid>/mem),
 * its environment, its root and its fds, and looks in its /proc/<pid>/net/tcp for HOST_PORT, a
 * port the host listens on in its own network namespace (and in net/tcp6). One line per attempt: "WHAT ok" or
 * "WHAT errno=NAME"; for net/tcp "net/tcp hidden" or "net/tcp host socket visible". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errnames.h"

static void result(const char *what, long rc)
{
	printf("%s ", what);
	report_result(rc);
}

static int find_server(const char *server)
{
	char path[300], cmdline[256];
	size_t want = strlen(server) + sizeof "/image";
	struct dirent *e;
	DIR *proc = opendir("/proc");
	int found = -1;

	while (proc && (e = readdir(proc)) != NULL) {
		int fd;
		ssize_t n;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, cmdline, sizeof cmdline);
		if (fd >= 0)
			close(fd);
		if (n >= (ssize_t)want && strcmp(cmdline, server) == 0 && strcmp(cmdline + strlen(server) + 1, "/image") == 0)
			found = atoi(e->d_name);
	}
	if (proc)
		closedir(proc);
	return found;
}

/* Opens and reads /proc/PID/NAME: the kernel checks ptrace access at open (mem, environ) or read. */
static void read_proc(int pid, const char *name)
{
	char path[64], buf[64];
	int fd;
	long rc;

	snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY);
	rc = fd;
	if (fd >= 0) {
		rc = strcmp(name, "mem") == 0 ? pread(fd, buf, sizeof buf, 0x400000) : read(fd, buf, sizeof buf);
		/* mem at an unmapped address gives EIO: only an open refused by the kernel counts */
		if (rc < 0 && errno == EIO)
			rc = 0;
		close(fd);
	}
	result(name, rc);
}

int main(int argc, char **argv)
{
	char path[64], line[512];
	unsigned long host_port;
	int pid, i, visible = 0;
	long rc;
	FILE *tcp;

	if (argc != 3 || parse_uint(argv[2], 65535, &host_port)) {
		fprintf(stderr, "usage: fuseattack SERVER HOST_PORT\n");
		return 2;
	}
	pid = find_server(argv[1]);
	if (pid < 0) {
		printf("no server\n");
		return 1;
	}
	printf("server found\n");

	rc = ptrace(PTRACE_ATTACH, pid, 0, 0);
	result("ptrace-attach", rc);
	if (rc == 0) {
		waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, 0, 0);
	}
	rc = ptrace(PTRACE_SEIZE, pid, 0, 0);
	result("ptrace-seize", rc);
	if (rc == 0)
		ptrace(PTRACE_DETACH, pid, 0, 0);
	{
		char buf[16];
		struct iovec local = { buf, sizeof buf }, remote = { (void *)0x400000, sizeof buf };

		rc = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		result("process_vm_readv", rc < 0 && errno == EFAULT ? 0 : rc);
	}
	read_proc(pid, "mem");
	read_proc(pid, "environ");
	snprintf(path, sizeof path, "/proc/%d/root/", pid);
	rc = open(path, O_RDONLY | O_DIRECTORY);
	result("root", rc);
	snprintf(path, sizeof path, "/proc/%d/fd/", pid);
	rc = open(path, O_RDONLY | O_DIRECTORY);
	result("fd", rc);

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "/proc/%d/net/%s", pid, i ? "tcp6" : "tcp");
		tcp = fopen(path, "r");
		if (!tcp) {
			result(path, -1);
			return 0;
		}
		while (fgets(line, sizeof line, tcp)) {
			unsigned local_port;

			if (sscanf(line, " %*d: %*[0-9A-F]:%X", &local_port) == 1 && local_port == host_port)
				visible = 1;
		}
		fclose(tcp);
	}
	printf("net/tcp %s\n", visible ? "host socket visible" : "hidden");
	return 0;
}
