/*
 * intercessor-keeper — holds the supervisor's seccomp notify fds while it restarts.
 *
 * Usage: intercessor-keeper SOCKET
 *
 * The notify fds of running containers live in the supervisor's JVM; when it stops, the kernel
 * would answer every later call ENOSYS. The keeper holds a duplicate of each, with the record the
 * supervisor attached it by, so calls made while no supervisor runs wait in the kernel and a new
 * supervisor (a restart, an upgrade) takes them all back and answers them.
 *
 * It listens on SOCKET (SOCK_SEQPACKET, made 0600; its directory is the supervisor's, 0700) for
 * one client at a time, root only. Messages (the first byte says which):
 *   'P' KEY(8) RECORD…  with SCM_RIGHTS {notify fd, init's /proc dir fd}: keep them under KEY
 *   'D' KEY(8)          let KEY go
 *   'G'                 answered with one 'E' KEY(8) RECORD… message per entry, its two fds
 *                       attached, then 'Z'
 *   'R'                 let every entry go (the supervisor is being removed for good)
 * An entry whose notify fd hangs up (every process of its filter has exited) is let go. The
 * keeper exits once it holds nothing and its client has gone (if none connects, after 5 s), and
 * on SIGTERM (then the containers' calls fail with ENOSYS, as with no supervisor).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_ENTRIES 4096
#define RECORD_MAX 65536

struct entry {
	uint64_t key;
	int notify;
	int init;
	size_t length;
	char *record;
};

static struct entry entries[MAX_ENTRIES];
static int count;
static char message[1 + 8 + RECORD_MAX];

static void drop(int i)
{
	close(entries[i].notify);
	close(entries[i].init);
	free(entries[i].record);
	entries[i] = entries[--count];
}

static int find(uint64_t key)
{
	for (int i = 0; i < count; i++)
		if (entries[i].key == key)
			return i;
	return -1;
}

static ssize_t receive(int client, int *fds, int *nfds)
{
	char control[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = {.iov_base = message, .iov_len = sizeof(message)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control)};
	ssize_t n = recvmsg(client, &msg, MSG_CMSG_CLOEXEC);

	*nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (int i = 0; i < k; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (*nfds < 2)
					fds[(*nfds)++] = fd;
				else
					close(fd);
			}
		}
	}
	if (n >= 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (int i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

static int send_entry(int client, const struct entry *e)
{
	char control[CMSG_SPACE(2 * sizeof(int))];
	char head[9];
	struct iovec iov[2] = {{.iov_base = head, .iov_len = 9}, {.iov_base = e->record, .iov_len = e->length}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fds[2] = {e->notify, e->init};

	head[0] = 'E';
	memcpy(head + 1, &e->key, 8);
	memset(control, 0, sizeof(control));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(client, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* One message from the client; -1 ends the connection. */
static int serve(int client)
{
	int fds[2], nfds;
	ssize_t n = receive(client, fds, &nfds);
	uint64_t key;
	int i;

	if (n <= 0)
		return -1;
	switch (message[0]) {
	case 'P':
		if (n < 9 || nfds != 2 || count == MAX_ENTRIES)
			goto refuse;
		memcpy(&key, message + 1, 8);
		if ((i = find(key)) >= 0)
			drop(i);
		entries[count].key = key;
		entries[count].notify = fds[0];
		entries[count].init = fds[1];
		entries[count].length = n - 9;
		entries[count].record = malloc(n - 9 + 1);
		if (!entries[count].record)
			goto refuse;
		memcpy(entries[count].record, message + 9, n - 9);
		count++;
		return 0;
	case 'D':
		if (n != 9)
			goto refuse;
		memcpy(&key, message + 1, 8);
		if ((i = find(key)) >= 0)
			drop(i);
		break;
	case 'G':
		for (i = 0; i < count; i++)
			if (send_entry(client, &entries[i]) < 0)
				return -1;
		return send(client, "Z", 1, MSG_NOSIGNAL) < 0 ? -1 : 0;
	case 'R':
		while (count > 0)
			drop(count - 1);
		break;
	default:
		goto refuse;
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return 0;
refuse:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	fprintf(stderr, "intercessor-keeper: a message it does not take ('%c', %zd bytes, %d fds)\n", message[0], n, nfds);
	return -1;
}

/* Set by SIGTERM or SIGINT: the keeper lets go of what it holds and removes its socket. */
static volatile sig_atomic_t stopping;

static void stop(int signal)
{
	(void)signal;
	stopping = 1;
}

int main(int argc, char **argv)
{
	if (argc != 2 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "usage: intercessor-keeper SOCKET\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Held back except while it waits in ppoll, so one cannot slip in between a check and a wait. */
	struct sigaction on_stop = {.sa_handler = stop};
	sigemptyset(&on_stop.sa_mask);
	sigaction(SIGTERM, &on_stop, NULL);
	sigaction(SIGINT, &on_stop, NULL);
	sigset_t stop_signals, waiting;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_signals, &waiting);
	/* Two fds per entry: as many as the hard limit allows (1024 by default would hold ~500). */
	struct rlimit files;
	if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
		files.rlim_cur = files.rlim_max;
		setrlimit(RLIMIT_NOFILE, &files);
	}
	int listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strcpy(addr.sun_path, argv[1]);
	mode_t old = umask(0077);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listener, 4) < 0) {
		fprintf(stderr, "intercessor-keeper: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	umask(old);
	/* Tell whoever started it that it listens: its stdout closes. */
	fflush(stdout);
	int devnull = open("/dev/null", O_RDWR);
	dup2(devnull, 1);
	dup2(devnull, 0);
	close(devnull);

	int client = -1, served = 0;
	static struct pollfd p[MAX_ENTRIES + 2];
	for (;;) {
		if (stopping)
			break;
		if (client < 0 && count == 0) {
			/* Nothing held, nobody connected: done, once a supervisor has been (the first gets 5 s). */
			struct pollfd l = {.fd = listener, .events = POLLIN};
			struct timespec first = {.tv_sec = 5};
			if (served || ppoll(&l, 1, &first, &waiting) == 0)
				break;
			if (stopping)
				break;
		}
		int n = 0;
		p[n++] = (struct pollfd){.fd = client >= 0 ? client : listener, .events = POLLIN};
		for (int i = 0; i < count; i++)
			p[n++] = (struct pollfd){.fd = entries[i].notify, .events = 0};
		if (ppoll(p, n, NULL, &waiting) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = count - 1; i >= 0; i--)
			if (p[1 + i].revents & (POLLHUP | POLLERR | POLLNVAL))
				drop(i);
		if (p[0].revents) {
			if (client < 0) {
				client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
				struct ucred cred;
				socklen_t len = sizeof(cred);
				if (client >= 0 && (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0)) {
					close(client); /* root only; it does not count as a supervisor */
					client = -1;
				} else if (client >= 0) {
					served = 1;
				}
			} else if (serve(client) < 0) {
				close(client);
				client = -1;
			}
		}
	}
	unlink(argv[1]);
	/* The supervisor runs it from a copy beside its socket: that goes too. */
	const char *slash = strrchr(argv[1], '/');
	size_t dir = slash ? (size_t)(slash - argv[1] + 1) : 0;
	if (strncmp(argv[0], argv[1], dir) == 0 && strcmp(argv[0] + dir, "intercessor-keeper") == 0)
		unlink(argv[0]);
	return 0;
}
