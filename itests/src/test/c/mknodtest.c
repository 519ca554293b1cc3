/*
 * mknodtest — probe program run inside test containers.
 *
 * Build: gcc -static -O2 -Wall -Werror -o mknodtest mknodtest.c
 *
 * Each subcommand prints exactly one line on stdout and exits 0, whatever the
 * kernel (or the supervisor) answered; usage errors exit 2, internal failures
 * (e.g. mmap of the probe buffer) exit 1. Results are `ok` or `errno=NAME` so
 * that tests compare strings, not numbers.
 *
 *   at DIR NAME MAJ MIN        mknodat(open(DIR), NAME, S_IFCHR|0666, MAJ:MIN)
 *   mknod PATH c|b MAJ MIN     mknod(2) itself (mknodat(AT_FDCWD) where the
 *                              architecture has no mknod syscall)
 *   badptr                     mknodat with pathname pointer 1       -> EFAULT
 *   longpath                   mknodat with a 5000-byte path         -> ENAMETOOLONG
 *   unterminated               mknodat with a path running into an
 *                              unmapped page without a NUL           -> EFAULT
 *   rw PATH                    open O_RDWR, write "hello", read 16
 *   readzero PATH              open O_RDONLY, read 16, all bytes zero?
 *   loop N SYSCALL             N calls of getppid|getpid|mknodat, total ns
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "errnames.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: mknodtest at DIR NAME MAJ MIN\n"
		"       mknodtest mknod PATH c|b MAJ MIN\n"
		"       mknodtest badptr | longpath | unterminated\n"
		"       mknodtest rw PATH | readzero PATH\n"
		"       mknodtest loop N getppid|getpid|mknodat\n");
	return 2;
}

/* The kernel takes dev as an unsigned int in its "new" encoding; glibc's
 * makedev() agrees with it for the 12-bit major / 20-bit minor range. */
static unsigned int encode_dev(unsigned long maj, unsigned long min)
{
	return (unsigned int)makedev(maj, min);
}

static long raw_mknodat(int dfd, const char *path, mode_t mode, unsigned int dev)
{
	return syscall(SYS_mknodat, dfd, path, mode, dev);
}

static int cmd_at(char **argv)
{
	unsigned long maj, min;
	char buf[16];
	int dfd;

	if (parse_uint(argv[2], 0xfff, &maj) || parse_uint(argv[3], 0xfffff, &min))
		return usage();
	dfd = open(argv[0], O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0) {
		printf("open=errno=%s\n", errno_name(errno, buf));
		return 0;
	}
	report_result(raw_mknodat(dfd, argv[1], S_IFCHR | 0666, encode_dev(maj, min)));
	close(dfd);
	return 0;
}

static int cmd_mknod(char **argv)
{
	unsigned long maj, min;
	mode_t type;

	if (strcmp(argv[1], "c") == 0)
		type = S_IFCHR;
	else if (strcmp(argv[1], "b") == 0)
		type = S_IFBLK;
	else
		return usage();
	if (parse_uint(argv[2], 0xfff, &maj) || parse_uint(argv[3], 0xfffff, &min))
		return usage();
#ifdef SYS_mknod
	return report_result(syscall(SYS_mknod, argv[0], type | 0666, encode_dev(maj, min)));
#else
	/* e.g. aarch64: mknod(2) does not exist, libc uses mknodat too. */
	return report_result(raw_mknodat(AT_FDCWD, argv[0], type | 0666, encode_dev(maj, min)));
#endif
}

static int cmd_badptr(void)
{
	return report_result(raw_mknodat(AT_FDCWD, (const char *)1, S_IFCHR | 0666,
				  encode_dev(1, 3)));
}

static int cmd_longpath(void)
{
	static char path[5001];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	return report_result(raw_mknodat(AT_FDCWD, path, S_IFCHR | 0666, encode_dev(1, 3)));
}

static int cmd_unterminated(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p + page, page) != 0) {
		perror("mmap/munmap");
		return 1;
	}
	/* 100 'a's up to the end of the mapping, no NUL: the string runs off
	 * into the unmapped page, so a careful reader must answer EFAULT. */
	memset(p + page - 100, 'a', 100);
	return report_result(raw_mknodat(AT_FDCWD, p + page - 100, S_IFCHR | 0666,
				  encode_dev(1, 3)));
}

static int cmd_rw(const char *path)
{
	char data[16], buf[16];
	ssize_t n;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("open=errno=%s\n", errno_name(errno, buf));
		return 0;
	}
	printf("open=ok");
	n = write(fd, "hello", 5);
	if (n < 0)
		printf(" write=errno=%s", errno_name(errno, buf));
	else
		printf(" write=%zd", n);
	n = read(fd, data, sizeof(data));
	if (n < 0)
		printf(" read=errno=%s\n", errno_name(errno, buf));
	else
		printf(" read=%zd\n", n);
	close(fd);
	return 0;
}

static int cmd_readzero(const char *path)
{
	unsigned char data[16];
	char buf[16];
	ssize_t n, i;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("open=errno=%s\n", errno_name(errno, buf));
		return 0;
	}
	n = read(fd, data, sizeof(data));
	if (n < 0) {
		printf("read=errno=%s\n", errno_name(errno, buf));
	} else {
		for (i = 0; i < n && data[i] == 0; i++)
			;
		printf("read=%zd allzero=%s\n", n, (n > 0 && i == n) ? "yes" : "no");
	}
	close(fd);
	return 0;
}

static int cmd_loop(char **argv)
{
	struct timespec t0, t1;
	unsigned long n, i;
	int which;

	if (parse_uint(argv[0], 1000000000UL, &n))
		return usage();
	if (strcmp(argv[1], "getppid") == 0)
		which = 0;
	else if (strcmp(argv[1], "getpid") == 0)
		which = 1;
	else if (strcmp(argv[1], "mknodat") == 0)
		which = 2; /* "/" always exists: EEXIST (or EPERM) unless intercepted */
	else
		return usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		switch (which) {
		case 0:
			syscall(SYS_getppid);
			break;
		case 1:
			syscall(SYS_getpid);
			break;
		default:
			raw_mknodat(AT_FDCWD, "/", S_IFCHR | 0666, encode_dev(1, 3));
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("calls=%lu total_ns=%lld\n", n,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(cmd, "at") == 0 && argc == 4)
		return cmd_at(argv);
	if (strcmp(cmd, "mknod") == 0 && argc == 4)
		return cmd_mknod(argv);
	if (strcmp(cmd, "badptr") == 0 && argc == 0)
		return cmd_badptr();
	if (strcmp(cmd, "longpath") == 0 && argc == 0)
		return cmd_longpath();
	if (strcmp(cmd, "unterminated") == 0 && argc == 0)
		return cmd_unterminated();
	if (strcmp(cmd, "rw") == 0 && argc == 1)
		return cmd_rw(argv[0]);
	if (strcmp(cmd, "readzero") == 0 && argc == 1)
		return cmd_readzero(argv[0]);
	if (strcmp(cmd, "loop") == 0 && argc == 2)
		return cmd_loop(argv);
	return usage();
}
