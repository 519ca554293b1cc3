/* Sends malformed or odd messages to an OCI seccomp agent socket, as a misbehaving client would.
 * Usage: ocisend SOCKET MODE [SECONDS]
 *   garbage    text that is not JSON, with one fd attached
 *   nofd       a valid container state, no fd attached
 *   twofds     a valid container state with two fds attached
 *   notnotify  a valid container state with a pipe instead of a seccomp notify fd
 *   oversized  a valid-looking state padded to 2 MiB, with one fd
 *   silent     connect and send nothing for SECONDS (default 5), then close
 * Prints "sent" and exits 0 when the message went out; on stderr the pipe it may have attached
 * ("pipe:[INODE]", as /proc/PID/fd shows it), so a test can look for it in the agent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static const char STATE[] =
    "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":1,\"metadata\":\"\","
    "\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"ocisend-test\",\"status\":\"creating\","
    "\"pid\":1,\"bundle\":\"/nonexistent\"}}";

static int send_with_fds(int sock, const char *data, size_t len, const int *fds, int nfds) {
    struct iovec iov = {(void *)data, len};
    char control[CMSG_SPACE(sizeof(int) * 4)];
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
        memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0) {
        return -1;
    }
    /* The rest of a long message goes without fds. */
    size_t done = (size_t)n;
    while (done < len) {
        n = send(sock, data + done, len - done, MSG_NOSIGNAL);
        if (n < 0) {
            return -1; /* the agent may close early on oversized input */
        }
        done += (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: ocisend SOCKET MODE [SECONDS]\n");
        return 2;
    }
    int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
        printf("connect: %s\n", strerror(errno));
        return 1;
    }
    int pipes[2];
    struct stat st;
    if (pipe(pipes) < 0 || fstat(pipes[0], &st) < 0) {
        return 1;
    }
    fprintf(stderr, "pipe:[%lu]\n", (unsigned long)st.st_ino);
    const char *mode = argv[2];
    int rc;
    if (strcmp(mode, "garbage") == 0) {
        const char *g = "this is not JSON {\n";
        rc = send_with_fds(sock, g, strlen(g), pipes, 1);
    } else if (strcmp(mode, "nofd") == 0) {
        rc = send_with_fds(sock, STATE, strlen(STATE), NULL, 0);
    } else if (strcmp(mode, "twofds") == 0) {
        rc = send_with_fds(sock, STATE, strlen(STATE), pipes, 2);
    } else if (strcmp(mode, "notnotify") == 0) {
        rc = send_with_fds(sock, STATE, strlen(STATE), pipes, 1);
    } else if (strcmp(mode, "oversized") == 0) {
        size_t len = 2 << 20;
        char *big = malloc(len);
        memset(big, ' ', len);
        memcpy(big, "{\"pad\":\"", 8);
        big[len - 2] = '"';
        big[len - 1] = '}';
        rc = send_with_fds(sock, big, len, pipes, 1);
        rc = 0; /* refused mid-way is the expected outcome */
    } else if (strcmp(mode, "silent") == 0) {
        sleep(argc > 3 ? atoi(argv[3]) : 5);
        rc = 0;
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    if (rc < 0) {
        printf("send: %s\n", strerror(errno));
        return 1;
    }
    /* Wait for the agent to close its end, as runc does not but crun would. */
    char b;
    while (read(sock, &b, 1) > 0) {
    }
    printf("sent\n");
    return 0;
}
