/* stalltest: sysinfo(2) timing probes for the stall tests.
 *
 *   stalltest latency N     N sysinfo calls; prints "p50_us=X"
 *   stalltest stall FILE    sysinfo into a private writable mapping of FILE that was never touched
 *                           (its first access faults into FILE's filesystem); prints
 *                           "sysinfo=ok|errno=NAME ms=N"
 *   stalltest init_module   one init_module(NULL, 0, ""), a call nothing else in the container
 *                           makes; prints "init_module=N|errno=NAME ms=N" */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "errnames.h"

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char buf[16];
	struct sysinfo info;

	if (argc == 3 && strcmp(argv[1], "latency") == 0) {
		int n = atoi(argv[2]);
		long long *t = calloc(n > 0 ? n : 1, sizeof *t);

		for (int i = 0; i < n; i++) {
			long long s = now_ns();

			syscall(SYS_sysinfo, &info);
			t[i] = now_ns() - s;
		}
		qsort(t, n, sizeof *t, cmp);
		printf("p50_us=%.1f\n", n > 0 ? t[n / 2] / 1000.0 : 0.0);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "stall") == 0) {
		int fd = open(argv[2], O_RDONLY);
		void *p = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		long long s;
		long rc;

		if (p == MAP_FAILED) {
			printf("map=errno=%s\n", errno_name(errno, buf));
			return 1;
		}
		s = now_ns();
		rc = syscall(SYS_sysinfo, p);
		if (rc < 0)
			printf("sysinfo=errno=%s ms=%lld\n", errno_name(errno, buf), (now_ns() - s) / 1000000);
		else
			printf("sysinfo=ok ms=%lld\n", (now_ns() - s) / 1000000);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "init_module") == 0) {
		long long s = now_ns();
		long rc = syscall(SYS_init_module, NULL, 0UL, "");

		if (rc < 0)
			printf("init_module=errno=%s ms=%lld\n", errno_name(errno, buf), (now_ns() - s) / 1000000);
		else
			printf("init_module=%ld ms=%lld\n", rc, (now_ns() - s) / 1000000);
		return 0;
	}
	fprintf(stderr, "usage: stalltest latency N | stall FILE | init_module\n");
	return 2;
}
