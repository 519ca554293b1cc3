/*
 * Calls syscall 1000 (upcase(buf, len), examples/usersyscall-handler) and says what came back:
 *   upcasetest TEXT        prints "= <result> <buffer>" or "errno <NAME>"
 *   upcasetest --badptr    a buffer at an unmapped address
 *   upcasetest --badlen    a length above the handler's bound
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errnames.h"

#define UPCASE 1000

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: upcasetest TEXT|--badptr|--badlen\n");
		return 2;
	}
	char buf[8192];
	long r;
	if (strcmp(argv[1], "--badptr") == 0) {
		r = syscall(UPCASE, (void *)8, 16);
	} else if (strcmp(argv[1], "--badlen") == 0) {
		memset(buf, 'a', sizeof buf);
		r = syscall(UPCASE, buf, sizeof buf);
	} else {
		snprintf(buf, sizeof buf, "%s", argv[1]);
		r = syscall(UPCASE, buf, strlen(buf));
	}
	if (r < 0) {
		char name[32];
		printf("errno %s\n", errno_name(errno, name));
		return 1;
	}
	printf("= %ld %s\n", r, argv[1][0] == '-' ? "" : buf);
	return 0;
}
