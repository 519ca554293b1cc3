/* blockedtest: tries a syscall that Podman's default seccomp profile refuses, though the kernel
 * would let the container have it.
 *
 *   blockedtest userfaultfd   userfaultfd(UFFD_USER_MODE_ONLY): anyone may have one for faults in
 *                             its own user memory; the profile refuses it in every case
 *   blockedtest kcmp          kcmp(self, self, KCMP_VM): comparing its own memory needs no
 *                             privilege; the profile refuses it without CAP_SYS_PTRACE
 *
 * Prints "ok" or "errno=NAME". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errnames.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define KCMP_VM 1

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "userfaultfd") == 0)
		return report_result(syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
	if (argc == 2 && strcmp(argv[1], "kcmp") == 0)
		return report_result(syscall(SYS_kcmp, getpid(), getpid(), KCMP_VM, 0, 0));
	fprintf(stderr, "usage: blockedtest userfaultfd|kcmp\n");
	return 2;
}
