/* Module loading calls made inside a container.
 * Usage: moduletest finit FILE [FLAGS [PARAMS]]   finit_module(open(FILE, O_RDONLY), PARAMS or "", FLAGS or 0)
 *        moduletest finitpath FILE                 the same with an O_PATH descriptor
 *        moduletest finitdir DIR                   the same with a directory's descriptor
 *        moduletest init FILE [PARAMS]             init_module of FILE's bytes, read into memory
 *        moduletest initfault LEN                  init_module(NULL + 4096, LEN, "")
 * Prints "ok" or "errno=<NAME>" for the call ("open errno=<NAME>" if FILE does not open). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errnames.h"

static int open_or_report(const char *path, int flags)
{
	char buf[16];
	int fd = open(path, flags);

	if (fd < 0)
		printf("open errno=%s\n", errno_name(errno, buf));
	return fd;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && (!strcmp(argv[1], "finit") || !strcmp(argv[1], "finitpath") || !strcmp(argv[1], "finitdir"))) {
		int flags = !strcmp(argv[1], "finitpath") ? O_PATH : !strcmp(argv[1], "finitdir") ? O_RDONLY | O_DIRECTORY : O_RDONLY;
		int fd = open_or_report(argv[2], flags);
		unsigned long callflags = argc >= 4 ? strtoul(argv[3], NULL, 0) : 0;
		const char *params = argc >= 5 ? argv[4] : "";

		if (fd < 0)
			return 0;
		return report_result(syscall(SYS_finit_module, fd, params, callflags));
	}
	if (argc >= 3 && !strcmp(argv[1], "init")) {
		int fd = open_or_report(argv[2], O_RDONLY);
		struct stat st;
		char *image;

		if (fd < 0)
			return 0;
		if (fstat(fd, &st) != 0 || !(image = malloc(st.st_size + 1)) || read(fd, image, st.st_size) != st.st_size) {
			printf("read failed\n");
			return 0;
		}
		return report_result(syscall(SYS_init_module, image, (unsigned long)st.st_size, argc >= 4 ? argv[3] : ""));
	}
	if (argc >= 3 && !strcmp(argv[1], "initfault"))
		return report_result(syscall(SYS_init_module, (void *)4096, strtoul(argv[2], NULL, 0), ""));
	fprintf(stderr, "usage: see source\n");
	return 2;
}
