/*
 * bpftest — probe program for bpf(2) run inside test containers.
 *
 * Build: gcc -static -O2 -Wall -Werror -o bpftest bpftest.c
 *
 * Makes plain bpf(2) calls through syscall(SYS_bpf) (no libbpf) and prints the
 * results as `key=value` lines, the value being `ok`, a number or
 * `errno=NAME`, so that tests compare strings. Exits 0 whatever the kernel (or
 * the supervisor) answered; usage errors exit 2, internal failures exit 1.
 *
 *   device CGDIR [wait]   load a CGROUP_DEVICE program denying c 1:5
 *                         (/dev/zero), attach it (BPF_F_ALLOW_MULTI) to
 *                         CGDIR/child, move into CGDIR/child, open /dev/zero
 *                         and /dev/null; with `wait`, print the pid and
 *                         program fd and block until stdin is closed; then
 *                         move back to CGDIR and rmdir CGDIR/child.
 *                         Prints load= log_bytes= cgroup_before= attach=
 *                         move= zero= null= [extra=] [pid= fd=] cleanup=
 *                         (extra=: the device named by $BPFTEST_OPEN, if set;
 *                         with $BPFTEST_ALLOW_ALL set, the program allows every device)
 *   type NAME             load "r0 = 0; exit" as socket_filter | kprobe |
 *                         tracing | device; prints load=
 *   attach CGDIR FLAGS    load the device program, attach it to CGDIR itself
 *                         with FLAGS multi | override | none | replace, and
 *                         detach it again on success; prints load= attach=
 *                         [detach=]
 *   attachfd PATH         load the device program, attach it (ALLOW_MULTI)
 *                         to open(PATH); prints load= attach=
 *   badattr KIND          malformed calls: huge | nullattr | badptr |
 *                         badinsns | badlicense | badlog | hugecount;
 *                         prints result=
 *   attack KIND           load a device program that only a privileged
 *                         verifier (CAP_PERFMON) passes: uninit (reads
 *                         uninitialised stack) | ptrcmp (compares the frame
 *                         pointer) | ptrleak (returns bits of the frame
 *                         pointer through a 32-bit copy); prints load= and
 *                         refusal= (the log's line before "processed ...")
 *   hold N CLOSE MORE [wait]
 *                         load the device program N times keeping every fd,
 *                         close CLOSE of them, load MORE times again; prints
 *                         loaded= refused= closed= reloaded= refused_again=
 *                         (refused: the first refusal's errno, or none); with
 *                         `wait`, prints held= and blocks until stdin is
 *                         closed (with $BPFTEST_BIG set, the program is 4096
 *                         instructions long)
 *
 * If a directory or file to attach to cannot be opened, open=errno=NAME is
 * printed instead of attach=. In `device` mode every step is tried whatever
 * the earlier ones answered (so a failed load makes attach=errno=EBADF).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "errnames.h"

#define LOG_SIZE (64 * 1024)
#define PROG_NAME "icsr_test"

static int usage(void)
{
	fprintf(stderr,
		"usage: bpftest device CGDIR [wait]\n"
		"       bpftest type socket_filter|kprobe|tracing|device\n"
		"       bpftest attach CGDIR multi|override|none|replace\n"
		"       bpftest attachfd PATH\n"
		"       bpftest badattr huge|nullattr|badptr|badinsns|badlicense|badlog|hugecount\n"
		"       bpftest attack uninit|ptrcmp|ptrleak\n"
		"       bpftest hold N CLOSE MORE [wait]\n");
	return 2;
}

/* Prints "KEY=ok" or "KEY=errno=NAME" for a raw syscall result. */
static int report(const char *key, long rc)
{
	char buf[16];

	if (rc < 0)
		printf("%s=errno=%s\n", key, errno_name(errno, buf));
	else
		printf("%s=ok\n", key);
	return 0;
}

/* Prints "KEY=N" or "KEY=errno=NAME". */
static int report_num(const char *key, long rc)
{
	char buf[16];

	if (rc < 0)
		printf("%s=errno=%s\n", key, errno_name(errno, buf));
	else
		printf("%s=%ld\n", key, rc);
	return 0;
}

static long sys_bpf(int cmd, void *attr, unsigned long size)
{
	return syscall(SYS_bpf, cmd, attr, size);
}

static __u64 ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

#define INSN(CODE, DST, SRC, OFF, IMM) \
	((struct bpf_insn){ .code = (CODE), .dst_reg = (DST), .src_reg = (SRC), \
			    .off = (OFF), .imm = (IMM) })
/* dst = *(u32 *)(src + off) */
#define LDX_W(DST, SRC, OFF) INSN(BPF_LDX | BPF_MEM | BPF_W, DST, SRC, OFF, 0)
/* dst = (u32)dst & imm */
#define AND32_K(DST, IMM) INSN(BPF_ALU | BPF_AND | BPF_K, DST, 0, 0, IMM)
/* dst = *(u64 *)(src + off) */
#define LDX_DW(DST, SRC, OFF) INSN(BPF_LDX | BPF_MEM | BPF_DW, DST, SRC, OFF, 0)
/* dst = (u32)src */
#define MOV32_X(DST, SRC) INSN(BPF_ALU | BPF_MOV | BPF_X, DST, SRC, 0, 0)
/* dst = (u32)dst >> imm */
#define RSH32_K(DST, IMM) INSN(BPF_ALU | BPF_RSH | BPF_K, DST, 0, 0, IMM)
/* dst &= imm */
#define AND64_K(DST, IMM) INSN(BPF_ALU64 | BPF_AND | BPF_K, DST, 0, 0, IMM)
/* if (dst > imm) goto pc + 1 + off (unsigned) */
#define JGT_K(DST, IMM, OFF) INSN(BPF_JMP | BPF_JGT | BPF_K, DST, 0, OFF, IMM)
/* dst = imm */
#define MOV64_K(DST, IMM) INSN(BPF_ALU64 | BPF_MOV | BPF_K, DST, 0, 0, IMM)
/* if (dst != imm) goto pc + 1 + off */
#define JNE_K(DST, IMM, OFF) INSN(BPF_JMP | BPF_JNE | BPF_K, DST, 0, OFF, IMM)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/*
 * CGROUP_DEVICE program: r1 points to struct bpf_cgroup_dev_ctx
 * { __u32 access_type; __u32 major; __u32 minor; }, access_type being
 * (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*. Returns 0 (deny) for c 1:5
 * (/dev/zero) whatever the access, 1 (allow) for everything else.
 */
static const struct bpf_insn device_prog[] = {
	/* 0 */ LDX_W(BPF_REG_2, BPF_REG_1, 0),		/* r2 = ctx->access_type */
	/* 1 */ AND32_K(BPF_REG_2, 0xffff),		/* r2 = device type */
	/* 2 */ JNE_K(BPF_REG_2, BPF_DEVCG_DEV_CHAR, 6),	/* not char: goto 9 */
	/* 3 */ LDX_W(BPF_REG_3, BPF_REG_1, 4),		/* r3 = ctx->major */
	/* 4 */ JNE_K(BPF_REG_3, 1, 4),			/* major != 1: goto 9 */
	/* 5 */ LDX_W(BPF_REG_4, BPF_REG_1, 8),		/* r4 = ctx->minor */
	/* 6 */ JNE_K(BPF_REG_4, 5, 2),			/* minor != 5: goto 9 */
	/* 7 */ MOV64_K(BPF_REG_0, 0),			/* deny */
	/* 8 */ EXIT(),
	/* 9 */ MOV64_K(BPF_REG_0, 1),			/* allow */
	/* 10 */ EXIT(),
};

/* BPFTEST_ALLOW_ALL set: a device program that allows every device (r0 = 1; exit), to show that
 * it cannot lift what a program higher up the cgroup hierarchy denies. */
static const struct bpf_insn allow_all_prog[] = {
	MOV64_K(BPF_REG_0, 1),
	EXIT(),
};

/* r0 = 0; exit — valid for any program type. */
static const struct bpf_insn trivial_prog[] = {
	MOV64_K(BPF_REG_0, 0),
	EXIT(),
};

/* Device programs that only a verifier relaxed by CAP_PERFMON passes; each returns one bit of
 * kernel state as the allow/deny decision, which a container reads by opening a device. */
static const struct bpf_insn uninit_prog[] = {
	LDX_DW(BPF_REG_0, BPF_REG_10, -8),		/* r0 = stale kernel stack */
	AND64_K(BPF_REG_0, 1),
	EXIT(),
};
static const struct bpf_insn ptrcmp_prog[] = {
	MOV64_K(BPF_REG_0, 1),
	JGT_K(BPF_REG_10, 0x1000, 1),			/* a bit of the stack address */
	MOV64_K(BPF_REG_0, 0),
	EXIT(),
};
static const struct bpf_insn ptrleak_prog[] = {
	MOV32_X(BPF_REG_0, BPF_REG_10),			/* w0 = low half of the frame pointer */
	RSH32_K(BPF_REG_0, 12),
	AND32_K(BPF_REG_0, 1),
	EXIT(),
};

/* BPFTEST_BIG set: 4095 times "r0 = 1", then exit (about 40 KiB of kernel memory loaded). */
static struct bpf_insn big_prog[4096];

#define NINSNS(a) ((__u32)(sizeof(a) / sizeof((a)[0])))

static char log_buf[LOG_SIZE];

/* Fills attr for a BPF_PROG_LOAD of the device program, log on. */
static void device_load_attr(union bpf_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	if (getenv("BPFTEST_BIG")) {
		for (unsigned int i = 0; i < NINSNS(big_prog) - 1; i++)
			big_prog[i] = MOV64_K(BPF_REG_0, 1);
		big_prog[NINSNS(big_prog) - 1] = EXIT();
		attr->insns = ptr(big_prog);
		attr->insn_cnt = NINSNS(big_prog);
	} else if (getenv("BPFTEST_ALLOW_ALL")) {
		attr->insns = ptr(allow_all_prog);
		attr->insn_cnt = NINSNS(allow_all_prog);
	} else {
		attr->insns = ptr(device_prog);
		attr->insn_cnt = NINSNS(device_prog);
	}
	attr->license = ptr("GPL");
	attr->log_level = 1;
	attr->log_size = sizeof(log_buf);
	attr->log_buf = ptr(log_buf);
	strncpy(attr->prog_name, PROG_NAME, sizeof(attr->prog_name) - 1);
}

/* Loads the device program; prints load= and, if log_bytes, log_bytes=.
 * Returns the fd or -1. */
static int load_device(int log_bytes)
{
	union bpf_attr attr;
	long fd;

	memset(log_buf, 0, sizeof(log_buf));
	device_load_attr(&attr);
	fd = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	report_num("load", fd);
	if (log_bytes)
		printf("log_bytes=%zu\n", strnlen(log_buf, sizeof(log_buf)));
	return fd < 0 ? -1 : (int)fd;
}

static long attach(int target_fd, int prog_fd, __u32 flags, int replace_fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = target_fd;
	attr.attach_bpf_fd = prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = flags;
	attr.replace_bpf_fd = replace_fd;
	return sys_bpf(BPF_PROG_ATTACH, &attr, sizeof(attr));
}

static long detach(int target_fd, int prog_fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = target_fd;
	attr.attach_bpf_fd = prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	return sys_bpf(BPF_PROG_DETACH, &attr, sizeof(attr));
}

/* Writes "0\n" to DIR/cgroup.procs: moves the calling process into DIR. */
static long move_to(const char *dir)
{
	char path[4096];
	int fd, saved;
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, "0\n", 2);
	saved = errno;
	close(fd);
	errno = saved;
	return n < 0 ? -1 : 0;
}

/* Prints cgroup_before=PATH from the "0::" line of /proc/self/cgroup. */
static void print_cgroup(const char *key)
{
	char line[4096], buf[16];
	FILE *f;

	f = fopen("/proc/self/cgroup", "re");
	if (!f) {
		printf("%s=errno=%s\n", key, errno_name(errno, buf));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			printf("%s=%s\n", key, line + 3);
			fclose(f);
			return;
		}
	}
	fclose(f);
	printf("%s=\n", key);
}

static int cmd_device(const char *cgdir, int wait)
{
	char child[4096], buf[16], rbuf[256];
	int prog_fd, cg_fd, moved = 0, fd;
	long rc;
	ssize_t n;

	if (snprintf(child, sizeof(child), "%s/child", cgdir) >= (int)sizeof(child))
		return usage();

	prog_fd = load_device(1);
	print_cgroup("cgroup_before");

	if (mkdir(child, 0755) < 0 && errno != EEXIST)
		printf("mkdir=errno=%s\n", errno_name(errno, buf));
	cg_fd = open(child, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		printf("open=errno=%s\n", errno_name(errno, buf));
	} else {
		/* Attached even if the load failed (fd -1): the answer to that
		 * plain bad call is reported as it is. */
		report("attach", attach(cg_fd, prog_fd, BPF_F_ALLOW_MULTI, 0));
		close(cg_fd);
	}

	rc = move_to(child);
	moved = rc == 0;
	report("move", rc);

	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	report("zero", fd);
	if (fd >= 0)
		close(fd);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	report("null", fd);
	if (fd >= 0)
		close(fd);
	/* BPFTEST_OPEN=PATH: one more device to open under the program (one the host's own
	 * device policy for the container denies, to show that still holds). */
	if (getenv("BPFTEST_OPEN")) {
		fd = open(getenv("BPFTEST_OPEN"), O_RDONLY | O_CLOEXEC);
		report("extra", fd);
		if (fd >= 0)
			close(fd);
	}

	if (wait) {
		printf("pid=%d fd=%d\n", (int)getpid(), prog_fd);
		do
			n = read(0, rbuf, sizeof(rbuf));
		while (n > 0 || (n < 0 && errno == EINTR));
	}

	rc = 0;
	if (moved)
		rc = move_to(cgdir);
	if (rc == 0)
		rc = rmdir(child);
	report("cleanup", rc);
	return 0;
}

/* KERNEL_VERSION(a, b, c) of the running kernel, from uname(2). */
static __u32 kernel_version(void)
{
	unsigned int a = 0, b = 0, c = 0;
	struct utsname u;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return (a << 16) + (b << 8) + (c > 255 ? 255 : c);
}

static int cmd_type(const char *name)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (strcmp(name, "socket_filter") == 0)
		attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	else if (strcmp(name, "kprobe") == 0) {
		attr.prog_type = BPF_PROG_TYPE_KPROBE;
		attr.kern_version = kernel_version();
	} else if (strcmp(name, "tracing") == 0)
		attr.prog_type = BPF_PROG_TYPE_TRACING;
	else if (strcmp(name, "device") == 0)
		attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	else
		return usage();
	attr.insns = ptr(trivial_prog);
	attr.insn_cnt = NINSNS(trivial_prog);
	attr.license = ptr("GPL");
	strncpy(attr.prog_name, PROG_NAME, sizeof(attr.prog_name) - 1);
	return report_num("load", sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr)));
}

static int cmd_attach(const char *cgdir, const char *flagword)
{
	int prog_fd, cg_fd, replace = 0;
	__u32 flags;
	char buf[16];
	long rc;

	if (strcmp(flagword, "multi") == 0)
		flags = BPF_F_ALLOW_MULTI;
	else if (strcmp(flagword, "override") == 0)
		flags = BPF_F_ALLOW_OVERRIDE;
	else if (strcmp(flagword, "none") == 0)
		flags = 0;
	else if (strcmp(flagword, "replace") == 0) {
		flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE;
		replace = 1;
	} else
		return usage();

	prog_fd = load_device(0);
	if (prog_fd < 0)
		return 0;
	cg_fd = open(cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		printf("open=errno=%s\n", errno_name(errno, buf));
		return 0;
	}
	rc = attach(cg_fd, prog_fd, flags, replace ? prog_fd : 0);
	report("attach", rc);
	if (rc == 0)
		report("detach", detach(cg_fd, prog_fd));
	close(cg_fd);
	return 0;
}

static int cmd_attachfd(const char *path)
{
	int prog_fd, fd, oflags = O_RDONLY | O_CLOEXEC;
	struct stat st;
	char buf[16];

	prog_fd = load_device(0);
	if (prog_fd < 0)
		return 0;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		oflags |= O_DIRECTORY;
	fd = open(path, oflags);
	if (fd < 0) {
		printf("open=errno=%s\n", errno_name(errno, buf));
		return 0;
	}
	report("attach", attach(fd, prog_fd, BPF_F_ALLOW_MULTI, 0));
	close(fd);
	return 0;
}

static int cmd_badattr(const char *kind)
{
	union bpf_attr attr;
	long rc;

	device_load_attr(&attr);
	if (strcmp(kind, "huge") == 0) {
		/* A valid load attr followed by zeros, 1 MiB in all. */
		char *big = calloc(1, 1 << 20);

		if (!big) {
			perror("calloc");
			return 1;
		}
		memcpy(big, &attr, sizeof(attr));
		rc = sys_bpf(BPF_PROG_LOAD, big, 1 << 20);
		free(big);
	} else if (strcmp(kind, "nullattr") == 0) {
		rc = sys_bpf(BPF_PROG_LOAD, NULL, 128);
	} else if (strcmp(kind, "badptr") == 0) {
		rc = sys_bpf(BPF_PROG_LOAD, (void *)1, 128);
	} else if (strcmp(kind, "badinsns") == 0) {
		attr.insns = 8;
		attr.insn_cnt = 2;
		rc = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	} else if (strcmp(kind, "badlicense") == 0) {
		attr.license = 8;
		rc = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	} else if (strcmp(kind, "badlog") == 0) {
		attr.log_buf = 8;
		attr.log_level = 1;
		attr.log_size = 4096;
		rc = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	} else if (strcmp(kind, "hugecount") == 0) {
		attr.insn_cnt = 1U << 30;
		rc = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	} else
		return usage();
	return report_num("result", rc);
}

static int cmd_attack(const char *kind)
{
	const char *line, *next;
	union bpf_attr attr;

	device_load_attr(&attr);
	if (strcmp(kind, "uninit") == 0) {
		attr.insns = ptr(uninit_prog);
		attr.insn_cnt = NINSNS(uninit_prog);
	} else if (strcmp(kind, "ptrcmp") == 0) {
		attr.insns = ptr(ptrcmp_prog);
		attr.insn_cnt = NINSNS(ptrcmp_prog);
	} else if (strcmp(kind, "ptrleak") == 0) {
		attr.insns = ptr(ptrleak_prog);
		attr.insn_cnt = NINSNS(ptrleak_prog);
	} else
		return usage();
	memset(log_buf, 0, sizeof(log_buf));
	report_num("load", sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr)));
	/* The verifier's reason: the line before its closing "processed N insns ..." line. */
	for (line = log_buf; (next = strchr(line, '\n')) && strncmp(next + 1, "processed ", 10) != 0;)
		line = next + 1;
	printf("refusal=%.*s\n", next ? (int)(next - line) : 0, line);
	return 0;
}

/* Loads the device program COUNT times into fds[*held...]; returns the first refusal's errno or 0. */
static int load_many(int *fds, int *held, long count, long *loaded)
{
	union bpf_attr attr;
	int first = 0;
	long fd;

	*loaded = 0;
	for (long i = 0; i < count; i++) {
		device_load_attr(&attr);
		attr.log_level = 0;
		attr.log_size = 0;
		attr.log_buf = 0;
		fd = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
		if (fd < 0) {
			if (!first)
				first = errno;
			continue;
		}
		fds[(*held)++] = (int)fd;
		(*loaded)++;
	}
	return first;
}

static void print_refusal(const char *key, int err)
{
	char buf[16];

	if (err)
		printf("%s=errno=%s\n", key, errno_name(err, buf));
	else
		printf("%s=none\n", key);
}

static int cmd_hold(const char *n_arg, const char *close_arg, const char *more_arg, int wait)
{
	unsigned long n, n_close, more;
	int fds[2048], held = 0, err;
	long loaded;
	char rbuf[64];
	ssize_t r;

	if (parse_uint(n_arg, 1024, &n) || parse_uint(close_arg, 1024, &n_close) ||
	    parse_uint(more_arg, 1024, &more))
		return usage();
	err = load_many(fds, &held, (long)n, &loaded);
	printf("loaded=%ld\n", loaded);
	print_refusal("refused", err);
	if (n_close > (unsigned long)held)
		n_close = held;
	for (unsigned long i = 0; i < n_close; i++)
		close(fds[--held]);
	printf("closed=%lu\n", n_close);
	err = load_many(fds, &held, (long)more, &loaded);
	printf("reloaded=%ld\n", loaded);
	print_refusal("refused_again", err);
	if (wait) {
		printf("held=%d\n", held);
		do
			r = read(0, rbuf, sizeof(rbuf));
		while (r > 0 || (r < 0 && errno == EINTR));
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(cmd, "device") == 0 && argc == 1)
		return cmd_device(argv[0], 0);
	if (strcmp(cmd, "device") == 0 && argc == 2 && strcmp(argv[1], "wait") == 0)
		return cmd_device(argv[0], 1);
	if (strcmp(cmd, "type") == 0 && argc == 1)
		return cmd_type(argv[0]);
	if (strcmp(cmd, "attach") == 0 && argc == 2)
		return cmd_attach(argv[0], argv[1]);
	if (strcmp(cmd, "attachfd") == 0 && argc == 1)
		return cmd_attachfd(argv[0]);
	if (strcmp(cmd, "badattr") == 0 && argc == 1)
		return cmd_badattr(argv[0]);
	if (strcmp(cmd, "attack") == 0 && argc == 1)
		return cmd_attack(argv[0]);
	if (strcmp(cmd, "hold") == 0 && argc == 3)
		return cmd_hold(argv[0], argv[1], argv[2], 0);
	if (strcmp(cmd, "hold") == 0 && argc == 4 && strcmp(argv[3], "wait") == 0)
		return cmd_hold(argv[0], argv[1], argv[2], 1);
	return usage();
}
