/*
 * Rings Intercessor's doorbell as a container process could, without intercessor-init's
 * follow-through: ioctl(FD, INTERCESSOR_DOORBELL, 0), printing "= 0" or "errno NAME".
 *   doorbelltest FD
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errnames.h"

#define INTERCESSOR_DOORBELL 0x7E11BE11UL

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: doorbelltest FD\n");
		return 2;
	}
	long r = syscall(SYS_ioctl, atoi(argv[1]), INTERCESSOR_DOORBELL, 0);
	char name[32];
	if (r < 0)
		printf("errno %s\n", errno_name(errno, name));
	else
		printf("= %ld\n", r);
	return r < 0;
}
