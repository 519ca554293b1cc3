/*
 * notifylisten — plays the service manager's side of sd_notify(3) for DaemonIT.
 *
 * Build: gcc -static -O2 -Wall -Werror -o notifylisten notifylisten.c
 *
 *   notifylisten PATH SECONDS
 *
 * Binds a datagram socket at PATH and prints each datagram received (one line per field), until
 * one holds READY=1 or SECONDS pass; exits 0 if READY=1 came, 1 if not.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: notifylisten PATH SECONDS\n");
		return 2;
	}
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strncpy(addr.sun_path, argv[1], sizeof(addr.sun_path) - 1);
	unlink(argv[1]);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("bind");
		return 2;
	}
	printf("listening\n");
	fflush(stdout);
	time_t end = time(NULL) + atoi(argv[2]);
	char buf[4096];
	while (time(NULL) < end) {
		struct pollfd p = {.fd = s, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		printf("%s\n", buf);
		fflush(stdout);
		if (strstr(buf, "READY=1")) {
			unlink(argv[1]);
			return 0;
		}
	}
	unlink(argv[1]);
	return 1;
}
