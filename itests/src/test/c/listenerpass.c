/*
 * A listener whose callers are outside a container, handed to the supervisor from inside it: the
 * attack the doorbell's admission check stops.
 *
 *   listenerpass send SOCKET      (on the host) a child installs a filter notifying sysinfo and
 *                                 keeps its listener; the listener goes over SOCKET; then the child
 *                                 calls sysinfo and prints "sysinfo = 0" or "sysinfo errno NAME"
 *                                 (EINTR after 10 s: nobody served the listener)
 *   listenerpass receive SOCKET FD  (in the container) takes a listener from SOCKET, puts it at FD,
 *                                 rings the doorbell naming FD and prints "doorbell = 0" or
 *                                 "doorbell errno NAME"; keeps FD open 3 s for the supervisor
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errnames.h"

#define INTERCESSOR_DOORBELL 0x7E11BE11UL
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#else
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

static int send_fd(int sock, int fd) {
	char byte = 'f';
	struct iovec iov = {&byte, 1};
	char control[CMSG_SPACE(sizeof(int))];
	memset(control, 0, sizeof control);
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock) {
	char byte;
	struct iovec iov = {&byte, 1};
	char control[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void die(const char *what) {
	perror(what);
	exit(2);
}

static void on_alarm(int sig) {
	(void)sig;
}

static int caller(int sp) {
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sysinfo, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die("prctl");
	int listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0)
		die("seccomp");
	if (send_fd(sp, listener))
		die("sendmsg");
	/* Our copy stays open: unserved, the call waits (EINTR at the alarm) rather than ENOSYS. */
	char go;
	if (read(sp, &go, 1) != 1)
		die("read");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(10);
	struct sysinfo si;
	long r = syscall(SYS_sysinfo, &si);
	char name[32];
	if (r < 0)
		printf("sysinfo errno %s\n", errno_name(errno, name));
	else
		printf("sysinfo = %ld\n", r);
	fflush(stdout);
	return 0;
}

static int sender(const char *path) {
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		die("socketpair");
	pid_t child = fork();
	if (child == 0) {
		close(sp[0]);
		exit(caller(sp[1]));
	}
	close(sp[1]);
	int listener = recv_fd(sp[0]);
	if (listener < 0)
		die("recvmsg");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
	int s = -1;
	for (int i = 0; i < 200; i++) { /* the receiver may not listen yet */
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&addr, sizeof addr) == 0)
			break;
		close(s);
		s = -1;
		usleep(50 * 1000);
	}
	if (s < 0)
		die("connect");
	if (send_fd(s, listener))
		die("sendmsg");
	close(listener);
	char ack;
	if (read(s, &ack, 1) != 1) /* the doorbell was answered */
		die("read ack");
	if (write(sp[0], "g", 1) != 1)
		die("write");
	int status;
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int receiver(const char *path, int slot) {
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) || listen(s, 1))
		die("bind");
	int c = accept(s, NULL, NULL);
	if (c < 0)
		die("accept");
	int listener = recv_fd(c);
	if (listener < 0)
		die("recvmsg");
	if (dup2(listener, slot) < 0)
		die("dup2");
	close(listener);
	long r = syscall(SYS_ioctl, slot, INTERCESSOR_DOORBELL, 0);
	char name[32];
	if (r < 0)
		printf("doorbell errno %s\n", errno_name(errno, name));
	else
		printf("doorbell = %ld\n", r);
	fflush(stdout);
	if (write(c, "a", 1) != 1)
		die("write ack");
	sleep(3);
	return 0;
}

int main(int argc, char **argv) {
	if (argc == 3 && strcmp(argv[1], "send") == 0)
		return sender(argv[2]);
	if (argc == 4 && strcmp(argv[1], "receive") == 0)
		return receiver(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: listenerpass send SOCKET | listenerpass receive SOCKET FD\n");
	return 2;
}
