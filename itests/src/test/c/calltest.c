/* calltest: trapped calls in a tight loop for a while, counted, for the hot-deploy load test.
 *
 *   calltest SECONDS sysinfo|mknodat
 *
 * Calls sysinfo() (succeeds whether emulated or run by the kernel) or mknodat("/", char 1:3)
 * (EEXIST either way) until SECONDS have passed, then prints
 *   calls=N unexpected=U
 * where U counts results that neither the emulator nor the kernel would give. A call that never
 * gets its answer hangs the loop, and the test's timeout shows it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long long end;
	unsigned long calls = 0, unexpected = 0;
	int mknod;

	if (argc != 3 || atoi(argv[1]) <= 0 ||
	    (strcmp(argv[2], "sysinfo") != 0 && strcmp(argv[2], "mknodat") != 0)) {
		fprintf(stderr, "usage: calltest SECONDS sysinfo|mknodat\n");
		return 2;
	}
	mknod = strcmp(argv[2], "mknodat") == 0;
	end = now_ns() + atoi(argv[1]) * 1000000000LL;
	while (now_ns() < end) {
		if (mknod) {
			long rc = syscall(SYS_mknodat, AT_FDCWD, "/", S_IFCHR | 0666, makedev(1, 3));
			if (rc != -1 || errno != EEXIST)
				unexpected++;
		} else {
			struct sysinfo s;
			if (sysinfo(&s) != 0)
				unexpected++;
		}
		calls++;
	}
	printf("calls=%lu unexpected=%lu\n", calls, unexpected);
	return 0;
}
