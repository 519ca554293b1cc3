/* calltest: trapped calls in a tight loop for a while, counted, for the hot-deploy load test.
 *
 *   calltest SECONDS sysinfo|mknodat
 *
 * Calls sysinfo() (succeeds whether emulated or run by the kernel) or mknodat("/", char 1:3)
 * (EEXIST either way) until SECONDS have passed, then prints
 *   calls=N unexpected=U
 * where U counts results that neither the emulator nor the kernel would give. A call that never
 * gets its answer hangs the loop, and the test's timeout shows it.
 *
 *   calltest SECONDS emulated TOTALRAM DIR
 *
 * Only emulated answers count: each sysinfo() must report TOTALRAM bytes (the container's limit:
 * the kernel would say the host's), and every 100 ms mknodat(DIR/nK, char 1:3) must make a new
 * node (the kernel: EPERM). Prints calls=N nodes=K unexpected=U and, for the first unexpected
 * answer, first=<call>:<errno or value>. */
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

	if (argc == 5 && atoi(argv[1]) > 0 && strcmp(argv[2], "emulated") == 0) {
		unsigned long long total = strtoull(argv[3], NULL, 10);
		unsigned long nodes = 0;
		long long next_node = 0;
		char node[4096], first[128] = "";
		end = now_ns() + atoi(argv[1]) * 1000000000LL;
		while (now_ns() < end) {
			struct sysinfo s;
			if (sysinfo(&s) != 0 || (unsigned long long)s.totalram * s.mem_unit != total) {
				if (!unexpected++)
					snprintf(first, sizeof(first), "sysinfo:%d:%llu", errno,
						 (unsigned long long)s.totalram * s.mem_unit);
			}
			calls++;
			if (now_ns() >= next_node) {
				/* A new node every 100 ms: each stays (a mount of the supervisor's), at most 256 a container. */
				next_node = now_ns() + 100000000LL;
				snprintf(node, sizeof(node), "%s/n%lu", argv[4], nodes++);
				if (mknodat(AT_FDCWD, node, S_IFCHR | 0666, makedev(1, 3)) != 0 && !unexpected++)
					snprintf(first, sizeof(first), "mknodat:%d", errno);
				calls++;
			}
		}
		printf("calls=%lu nodes=%lu unexpected=%lu%s%s\n", calls, nodes, unexpected, *first ? " first=" : "", first);
		return 0;
	}
	if (argc != 3 || atoi(argv[1]) <= 0 ||
	    (strcmp(argv[2], "sysinfo") != 0 && strcmp(argv[2], "mknodat") != 0)) {
		fprintf(stderr, "usage: calltest SECONDS sysinfo|mknodat | SECONDS emulated TOTALRAM DIR\n");
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
