/*
 * errnames.h — symbolic errno names for the test programs, which print "errno=NAME" so that the
 * tests compare names, not numbers, and the few helpers they share. Include after <errno.h>,
 * <stdio.h> and <stdlib.h>.
 */
#ifndef ERRNAMES_H
#define ERRNAMES_H

static const struct {
	int num;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },
	{ ENOENT, "ENOENT" },
	{ ESRCH, "ESRCH" },
	{ EINTR, "EINTR" },
	{ EIO, "EIO" },
	{ ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" },
	{ ENOEXEC, "ENOEXEC" },
	{ EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" },
	{ EFAULT, "EFAULT" },
	{ ENOTBLK, "ENOTBLK" },
	{ EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },
	{ EXDEV, "EXDEV" },
	{ ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" },
	{ EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" },
	{ ENFILE, "ENFILE" },
	{ EMFILE, "EMFILE" },
	{ ENOTTY, "ENOTTY" },
	{ EFBIG, "EFBIG" },
	{ ENOSPC, "ENOSPC" },
	{ ESPIPE, "ESPIPE" },
	{ EROFS, "EROFS" },
	{ EMLINK, "EMLINK" },
	{ ERANGE, "ERANGE" },
	{ ENODATA, "ENODATA" },
	{ ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" },
	{ ENOTEMPTY, "ENOTEMPTY" },
	{ ELOOP, "ELOOP" },
	{ EOVERFLOW, "EOVERFLOW" },
	/* ENOTSUP == EOPNOTSUPP on Linux: the first entry wins. */
	{ EOPNOTSUPP, "EOPNOTSUPP" },
	{ ENOTSUP, "ENOTSUP" },
	{ EDQUOT, "EDQUOT" },
	{ ETIMEDOUT, "ETIMEDOUT" },
};

/* Returns "NAME" or the number as text; buf must hold 16 bytes. */
static const char *errno_name(int e, char *buf)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].num == e)
			return errno_names[i].name;
	snprintf(buf, 16, "%d", e);
	return buf;
}

/* Prints "ok" or "errno=NAME" for a raw syscall result (errno set by the call); returns 0. */
static inline int report_result(long rc)
{
	char buf[16];

	if (rc < 0)
		printf("errno=%s\n", errno_name(errno, buf));
	else
		printf("ok\n");
	return 0;
}

/* Parses a decimal number no larger than max; returns 0, or -1 for anything else. */
static inline int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || *end || *out > max) ? -1 : 0;
}

#endif
