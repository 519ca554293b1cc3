/* Plays an OCI runtime towards a seccomp agent without a container: installs a filter that sends
 * getppid to user space, hands the notify fd to the agent the way runc does (state JSON, then
 * close) or crun does ("ociVersion":"0.2.0", connection left open; for crunexec "pid": 0, as
 * crun exec sends), then calls getppid.
 * Usage: agentclient SOCKET runc|crun|crunexec ID
 * Prints "getppid=ok" if the trapped call returned the right value (the agent answered
 * "continue"), "getppid=wrong" or "getppid=errno=N" otherwise; a 10 s alarm ends a hung call. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: agentclient SOCKET runc|crun|crunexec ID\n");
        return 2;
    }
    int exec = strcmp(argv[2], "crunexec") == 0;
    int crun = exec || strcmp(argv[2], "crun") == 0;
    pid_t parent = getppid();
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int notify = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (notify < 0) {
        printf("seccomp: %s\n", strerror(errno));
        return 1;
    }
    char state[1024];
    const char *version = crun ? "0.2.0" : "1.0.2";
    int len = snprintf(state, sizeof state,
        "{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":\"\","
        "\"state\":{\"ociVersion\":\"%s\",\"id\":\"%s\",\"status\":\"creating\",\"pid\":%d,"
        "\"bundle\":\"/\"}}", version, exec ? 0 : getpid(), version, argv[3], exec ? 0 : getpid());
    int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
        printf("connect: %s\n", strerror(errno));
        return 1;
    }
    struct iovec iov = {state, (size_t)len};
    char control[CMSG_SPACE(sizeof(int))] = {0};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                         .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &notify, sizeof(int));
    if (sendmsg(sock, &msg, 0) != len) {
        printf("sendmsg: %s\n", strerror(errno));
        return 1;
    }
    close(notify);
    if (!crun) {
        close(sock); /* runc closes; crun leaves the connection open */
    }
    alarm(10);
    errno = 0;
    long r = syscall(SYS_getppid);
    if (r < 0) {
        printf("getppid=errno=%d\n", errno);
    } else {
        printf(r == parent ? "getppid=ok\n" : "getppid=wrong\n");
    }
    return 0;
}
