/* mounttest: mount(2) and the new mount API, called directly (busybox mount would set up a loop
 * device for an image file itself, and a container has none).
 *
 *   mounttest mount SOURCE TARGET FSTYPE FLAGS [DATA]   FLAGS: 0, or ro,noexec,bind,…
 *   mounttest umount TARGET
 *   mounttest fsopen FSTYPE
 * Each prints "ok" or "errno=NAME". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errnames.h"

static unsigned long parse_flags(const char *s)
{
	unsigned long flags = 0;
	char *copy = strdup(s), *word, *save = NULL;

	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		if (strcmp(word, "ro") == 0)
			flags |= MS_RDONLY;
		else if (strcmp(word, "noexec") == 0)
			flags |= MS_NOEXEC;
		else if (strcmp(word, "bind") == 0)
			flags |= MS_BIND;
		else if (strcmp(word, "sync") == 0)
			flags |= MS_SYNCHRONOUS;
		else if (strcmp(word, "remount") == 0)
			flags |= MS_REMOUNT;
	}
	free(copy);
	return flags;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && strcmp(argv[1], "mount") == 0)
		return report_result(mount(argv[2], argv[3], argv[4], parse_flags(argv[5]), argc > 6 ? argv[6] : NULL));
	if (argc == 3 && strcmp(argv[1], "umount") == 0)
		return report_result(umount(argv[2]));
	if (argc == 3 && strcmp(argv[1], "fsopen") == 0)
		return report_result(syscall(SYS_fsopen, argv[2], 0));
	fprintf(stderr, "usage: mounttest mount SRC DST TYPE FLAGS [DATA] | umount DST | fsopen TYPE\n");
	return 2;
}
