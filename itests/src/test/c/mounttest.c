/* mounttest: mount(2) and the new mount API, called directly (busybox mount would set up a loop
 * device for an image file itself, and a container has none).
 *
 *   mounttest mount SOURCE TARGET FSTYPE FLAGS [DATA]   FLAGS: 0, or ro,noexec,bind,…
 *   mounttest umount TARGET
 *   mounttest fsopen FSTYPE
 *   mounttest newapi DIR1 DIR2       the new mount API as a user namespace may use it: a tmpfs made
 *                                    with fsopen/fsconfig/fsmount, moved onto DIR1, a file written,
 *                                    open_tree(CLONE) of it moved onto DIR2 and the file read there,
 *                                    fspick + reconfigure; one line per step ("STEP ok"/"STEP errno=")
 *   mounttest libmount SOURCE TARGET FSTYPE
 *                                    what util-linux 2.39+'s libmount does for a new mount: fsopen;
 *                                    on ENOSYS "fallback" and mount(2), else fsconfig source, create,
 *                                    fsmount, move_mount
 * Each prints "ok" or "errno=NAME". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/mount.h>
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

/* Prints "STEP ok" or "STEP errno=NAME"; returns whether it succeeded. */
static int step(const char *name, long rc)
{
	char buf[32];

	if (rc < 0) {
		printf("%s errno=%s\n", name, errno_name(errno, buf));
		return 0;
	}
	printf("%s ok\n", name);
	return 1;
}

static int new_api(const char *dir1, const char *dir2)
{
	int fs, mnt, tree, pick, fd;
	char got[16] = "";

	if (!step("fsopen", fs = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC))
	    || !step("fsconfig-set", syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "1m", 0))
	    || !step("fsconfig-create", syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
	    || !step("fsmount", mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV))
	    || !step("move_mount", syscall(SYS_move_mount, mnt, "", AT_FDCWD, dir1, MOVE_MOUNT_F_EMPTY_PATH)))
		return 1;
	fd = open(dir1, O_DIRECTORY | O_RDONLY);
	fd = openat(fd, "f", O_CREAT | O_WRONLY, 0644);
	if (!step("write", fd < 0 ? -1 : write(fd, "hello", 5)))
		return 1;
	close(fd);
	if (!step("open_tree", tree = syscall(SYS_open_tree, AT_FDCWD, dir1, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC))
	    || !step("move_mount-clone", syscall(SYS_move_mount, tree, "", AT_FDCWD, dir2, MOVE_MOUNT_F_EMPTY_PATH)))
		return 1;
	fd = open(dir2, O_DIRECTORY | O_RDONLY);
	fd = openat(fd, "f", O_RDONLY);
	if (!step("read-clone", fd < 0 ? -1 : read(fd, got, sizeof got - 1)))
		return 1;
	close(fd);
	printf("%s\n", got);
	if (!step("fspick", pick = syscall(SYS_fspick, AT_FDCWD, dir1, FSPICK_CLOEXEC))
	    || !step("fsconfig-reconfigure", syscall(SYS_fsconfig, pick, FSCONFIG_SET_STRING, "size", "2m", 0) < 0 ? -1
		     : syscall(SYS_fsconfig, pick, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0)))
		return 1;
	return 0;
}

/* libmount's hook_mount.c for a new superblock, in miniature. */
static int like_libmount(const char *source, const char *target, const char *type)
{
	int fs = syscall(SYS_fsopen, type, FSOPEN_CLOEXEC), mnt;

	if (fs < 0 && errno == ENOSYS) {
		printf("fallback\n");
		return report_result(mount(source, target, type, 0, NULL));
	}
	if (!step("fsopen", fs)
	    || !step("fsconfig-source", syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", source, 0))
	    || !step("fsconfig-create", syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
	    || !step("fsmount", mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0))
	    || !step("move_mount", syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH)))
		return 1;
	return 0;
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
	if (argc == 4 && strcmp(argv[1], "newapi") == 0)
		return new_api(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "libmount") == 0)
		return like_libmount(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: mounttest mount SRC DST TYPE FLAGS [DATA] | umount DST | fsopen TYPE | newapi DIR1 DIR2 | libmount SRC DST TYPE\n");
	return 2;
}
