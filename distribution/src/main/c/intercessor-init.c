/*
 * intercessor-init: traps syscall numbers no OCI runtime can name, then runs a program.
 *
 *   intercessor-init --trap 1000[,1001...] -- PROGRAM [ARGS...]
 *
 * OCI runtimes build their seccomp filter from names only, so a call user space defines (a
 * number no kernel table has) never reaches the supervisor through it. This program, the
 * container's entry point, installs a filter of its own that notifies exactly the numbers given
 * (of its own architecture; x32 calls are never trapped) and hands its listener to the
 * supervisor, which serves it as part of the container:
 *
 *  1. The kernel allows one live listener in a filter chain (a second is EBUSY), and the
 *     runtime's has one. So first the doorbell, ioctl(fd, INTERCESSOR_DOORBELL, 0), which the
 *     runtime profile sends to the supervisor (only with that request): it names fd, where our
 *     listener will be, and the supervisor, knowing the caller from the kernel, lets go of the
 *     runtime's listener and answers 0 (EPERM: doorbell off by policy, EMFILE: too many, EBADF).
 *  2. We install our filter (retrying while the runtime's listener is still being closed), move
 *     the listener to fd, and ring again: our own filter traps that call, and the supervisor,
 *     which takes fd from us with pidfd_getfd, answers it 0 once it serves the listener.
 *  3. We close our copy and exec PROGRAM, which keeps the filter.
 *
 * Every call the runtime's filter notified must be in --trap too (intercessor run does this):
 * with its listener gone, such a call would fail with ENOSYS.
 *
 * Exit status 125 if the hand-over fails (the reason on stderr), else PROGRAM's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* No real ioctl: its size field says 15889 bytes, which no driver's argument has. */
#define INTERCESSOR_DOORBELL 0x7E11BE11UL
#define MAX_TRAPS 64
#define FAILED 125
#define X32_SYSCALL_BIT 0x40000000U

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "intercessor-init knows x86_64 and aarch64"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LOW_HALF 0
#else
#define LOW_HALF 4
#endif

static void fail(const char *what) {
	fprintf(stderr, "intercessor-init: %s\n", what);
	exit(FAILED);
}

static void usage(void) {
	fail("usage: intercessor-init --trap NR[,NR...] -- PROGRAM [ARGS...]");
}

static int parse_traps(const char *list, uint32_t *traps) {
	int n = 0;
	const char *p = list;
	while (*p) {
		char *end;
		errno = 0;
		unsigned long nr = strtoul(p, &end, 10);
		if (end == p || errno || nr > INT32_MAX || (*end && *end != ',') || *p == '-' || *p == '+')
			usage();
#if defined(__x86_64__)
		if (nr & X32_SYSCALL_BIT)
			fail("--trap: a number with the x32 bit (0x40000000) is an x32 call; only x86_64 calls are trapped");
#endif
		if (n == MAX_TRAPS)
			fail("--trap: at most 64 numbers");
		traps[n++] = (uint32_t)nr;
		p = *end ? end + 1 : end;
	}
	if (n == 0)
		usage();
	return n;
}

/*
 * The filter: other architectures and x32 allowed; each trapped number, and the doorbell ioctl,
 * notified; everything else allowed (the runtime's own filter still decides it).
 */
static int install(const uint32_t *traps, int n) {
	struct sock_filter f[MAX_TRAPS + 16];
	int i = 0;
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
	/* x32 shares AUDIT_ARCH_X86_64: its numbers carry the x32 bit. */
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#endif
	for (int t = 0; t < n; t++) {
		f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, traps[t], 0, 1);
		f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	}
	/* The doorbell: ioctl's request is an unsigned int, the low half of args[1]. */
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, args[1]) + LOW_HALF);
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, INTERCESSOR_DOORBELL, 0, 1);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = (unsigned short)i, .filter = f};

	/* The supervisor closes the runtime's listener just after answering: EBUSY until then. */
	struct timespec pause = {0, 2 * 1000 * 1000};
	for (int attempt = 0;; attempt++) {
		int fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (fd >= 0)
			return fd;
		if (errno == EACCES) {
			/* Without CAP_SYS_ADMIN in its user namespace a process may filter only itself
			 * with no_new_privs (PROGRAM then gains nothing through setuid files). */
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
				fail("prctl(PR_SET_NO_NEW_PRIVS) failed");
			continue;
		}
		if (errno != EBUSY || attempt >= 2500) {
			char msg[160];
			snprintf(msg, sizeof msg, "cannot install the filter: %s%s", strerror(errno),
				 errno == EBUSY ? " (the runtime's listener was not let go of)" : "");
			fail(msg);
		}
		nanosleep(&pause, NULL);
	}
}

static void on_alarm(int sig) {
	(void)sig; /* only interrupts a confirmation the supervisor never takes */
}

static long ring(int fd) {
	return syscall(SYS_ioctl, fd, INTERCESSOR_DOORBELL, 0);
}

int main(int argc, char **argv) {
	uint32_t traps[MAX_TRAPS];
	int n = 0, i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--trap") == 0 && i + 1 < argc)
			n = parse_traps(argv[++i], traps);
		else if (strncmp(argv[i], "--trap=", 7) == 0)
			n = parse_traps(argv[i] + 7, traps);
		else
			usage();
	}
	if (n == 0 || i + 1 >= argc)
		usage();
	char **program = argv + i + 1;

	/* Where the listener will be: a directory now, so an untrapped ioctl gets ENOTTY. */
	int slot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (slot < 0)
		fail("cannot open /");
	if (ring(slot) != 0) {
		char msg[200];
		snprintf(msg, sizeof msg, "the doorbell was refused: %s", errno == ENOTTY
			 ? "not trapped (the runtime profile lacks the doorbell rule, or no supervisor)"
			 : errno == EPERM ? "EPERM (turned off by policy doorbell.enabled, or the container has no user"
					    " namespace of its own: the supervisor's log says which)"
			 : errno == EMFILE ? "EMFILE (the container has handed over its limit of listeners)"
			 : errno == ENOSYS ? "ENOSYS (no supervisor serves the runtime's listener)"
			 : strerror(errno));
		fail(msg);
	}
	int listener = install(traps, n);
	if (dup3(listener, slot, O_CLOEXEC) < 0)
		fail("dup3 failed");
	close(listener);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: the waiting call returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm(10);
	if (ring(slot) != 0)
		fail(errno == EINTR ? "the supervisor did not take the listener within 10 s"
				    : "the supervisor refused the listener");
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	close(slot);
	execvp(program[0], program);
	fprintf(stderr, "intercessor-init: cannot run %s: %s\n", program[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
