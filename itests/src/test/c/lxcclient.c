/*
 * lxcclient — a client of the LXC notify proxy socket that is not LXC, for LxcIT's attack tests.
 *
 * Build: gcc -static -O2 -Wall -Werror -o lxcclient lxcclient.c
 *
 *   lxcclient PATH garbage        connect (SOCK_SEQPACKET), send 10 bytes with no fds
 *   lxcclient PATH forged PID     a well-formed proxy message naming init PID, with three fds none
 *                                 of which is a seccomp notify fd (/proc/self, /dev/zero twice)
 *
 * Then waits up to 5 s for the server to close the connection; prints "closed" if it did, "open"
 * if not, or "errno=N" if the connection failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int send_with_fds(int sock, const void *data, size_t len, const int *fds, int nfds)
{
	char control[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds > 0) {
		memset(control, 0, sizeof(control));
		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: lxcclient PATH garbage | forged PID\n");
		return 2;
	}
	int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strncpy(addr.sun_path, argv[1], sizeof(addr.sun_path) - 1);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		printf("errno=%d\n", errno);
		return 0;
	}
	if (strcmp(argv[2], "garbage") == 0) {
		if (send_with_fds(sock, "0123456789", 10, NULL, 0) < 0) {
			printf("errno=%d\n", errno);
			return 0;
		}
	} else if (strcmp(argv[2], "forged") == 0 && argc == 4) {
		/* header (32), seccomp_notif (80), seccomp_notif_resp (24) */
		unsigned char m[32 + 80 + 24];
		memset(m, 0, sizeof(m));
		int32_t monitor = getpid(), init = atoi(argv[3]);
		uint16_t sizes[3] = {80, 24, 64};
		uint64_t id = 1;
		memcpy(m + 8, &monitor, 4);
		memcpy(m + 12, &init, 4);
		memcpy(m + 16, sizes, sizeof(sizes));
		memcpy(m + 32, &id, 8);
		memcpy(m + 40, &init, 4);
		int fds[3] = {open("/proc/self", O_RDONLY | O_DIRECTORY), open("/dev/zero", O_RDONLY), open("/dev/zero", O_RDONLY)};
		if (send_with_fds(sock, m, sizeof(m), fds, 3) < 0) {
			printf("errno=%d\n", errno);
			return 0;
		}
	} else {
		fprintf(stderr, "usage: lxcclient PATH garbage | forged PID\n");
		return 2;
	}
	struct pollfd p = {.fd = sock, .events = POLLIN};
	char buf[256];
	while (poll(&p, 1, 5000) > 0) {
		ssize_t n = recv(sock, buf, sizeof(buf), 0);
		if (n <= 0) {
			printf("closed\n");
			return 0;
		}
	}
	printf("open\n");
	return 0;
}
