/*
 * looptest — probe program for the loop handler, run inside test containers.
 *
 * Build: gcc -static -O2 -Wall -Werror -o looptest looptest.c
 *
 * Each subcommand prints one line: the result ("N" for getfree, else "ok") or "errno=NAME".
 *
 *   getfree [PATH]             ioctl(open(PATH or /dev/loop-control, O_RDWR), LOOP_CTL_GET_FREE)
 *   setfd DEV FILE             ioctl(open(DEV, O_RDWR), LOOP_SET_FD, open(FILE, O_RDONLY))
 *   configure DEV FILE         ioctl(open(DEV, O_RDWR), LOOP_CONFIGURE, {fd = open(FILE, O_RDWR)})
 *   clear DEV                  ioctl(open(DEV, O_RDONLY), LOOP_CLR_FD)
 *   changefd DEV FILE          ioctl(open(DEV, O_RDONLY), LOOP_CHANGE_FD, open(FILE, O_RDONLY))
 *   partscan DEV               LOOP_SET_STATUS64 with LO_FLAGS_PARTSCAN, the request's upper 32 bits
 *                              set (the kernel ignores them; a seccomp rule comparing 64 bits would not)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errnames.h"

static int fail(void)
{
	char buf[16];

	printf("errno=%s\n", errno_name(errno, buf));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "getfree") == 0) {
		int ctl = open(argc >= 3 ? argv[2] : "/dev/loop-control", O_RDWR | O_CLOEXEC);
		if (ctl < 0)
			return fail();
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			return fail();
		printf("%d\n", n);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "partscan") == 0) {
		struct loop_info64 info;
		int dev = open(argv[2], O_RDWR | O_CLOEXEC);
		if (dev < 0 || ioctl(dev, LOOP_GET_STATUS64, &info) < 0)
			return fail();
		info.lo_flags |= LO_FLAGS_PARTSCAN;
		return report_result(syscall(SYS_ioctl, dev, 0xFFFFFFFF00000000UL | LOOP_SET_STATUS64, &info));
	}
	if (argc == 3 && strcmp(argv[1], "clear") == 0) {
		int dev = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (dev < 0)
			return fail();
		return report_result(ioctl(dev, LOOP_CLR_FD, 0));
	}
	if (argc == 4) {
		int dev = open(argv[2], (strcmp(argv[1], "changefd") == 0 ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (dev < 0)
			return fail();
		int file = open(argv[3], (strcmp(argv[1], "configure") == 0 ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (file < 0)
			return fail();
		if (strcmp(argv[1], "setfd") == 0)
			return report_result(ioctl(dev, LOOP_SET_FD, file));
		if (strcmp(argv[1], "changefd") == 0)
			return report_result(ioctl(dev, LOOP_CHANGE_FD, file));
		if (strcmp(argv[1], "configure") == 0) {
			struct loop_config config;
			memset(&config, 0, sizeof(config));
			config.fd = file;
			return report_result(ioctl(dev, LOOP_CONFIGURE, &config));
		}
	}
	fprintf(stderr, "usage: looptest getfree [PATH] | setfd|configure|changefd DEV FILE | clear|partscan DEV\n");
	return 2;
}
