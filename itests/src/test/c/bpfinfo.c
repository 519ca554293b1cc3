/*
 * bpfinfo — runs on the host (as root), not in a container: takes a copy of
 * file descriptor FD of process PID with pidfd_getfd(2) and prints what
 * BPF_OBJ_GET_INFO_BY_FD says about the BPF program behind it.
 *
 * Build: gcc -O2 -Wall -Werror -o bpfinfo bpfinfo.c
 *
 * Usage: bpfinfo PID FD
 * Prints "type=N id=N name=NAME", or "error=STEP=errno=NAME" with STEP one of
 * pidfd_open, pidfd_getfd, info. Exits 0 either way; usage errors exit 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errnames.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static int usage(void)
{
	fprintf(stderr, "usage: bpfinfo PID FD\n");
	return 2;
}

static int fail(const char *step)
{
	char buf[16];

	printf("error=%s=errno=%s\n", step, errno_name(errno, buf));
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_prog_info info;
	unsigned long pid, fd;
	union bpf_attr attr;
	long pidfd, copy;

	if (argc != 3 || parse_uint(argv[1], 0x7fffffff, &pid) ||
	    parse_uint(argv[2], 0x7fffffff, &fd))
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	pidfd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0)
		return fail("pidfd_open");
	copy = syscall(SYS_pidfd_getfd, (int)pidfd, (int)fd, 0);
	if (copy < 0)
		return fail("pidfd_getfd");

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (__u32)copy;
	attr.info.info_len = sizeof(info);
	attr.info.info = (__u64)(uintptr_t)&info;
	if (syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) < 0)
		return fail("info");
	printf("type=%u id=%u name=%.*s\n", info.type, info.id,
	       (int)sizeof(info.name), info.name);
	close((int)copy);
	close((int)pidfd);
	return 0;
}
