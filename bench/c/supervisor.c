/* The benchmark's baseline: a minimal seccomp agent in C. It listens on an OCI seccomp agent
 * socket, gives each notify fd its own thread, receives with a blocking NOTIF_RECV (after setting
 * SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) and answers:
 *   continue   every call with "continue" (the practical floor of any supervisor)
 *   spawn      mknodat the way LXD does it: fork and exec a helper that enters the caller's mount
 *              namespace and makes the node (nsenter … mknod), then answer its result;
 *              everything else "continue"
 *   sysinfo    sysinfo() emulated with the same kernel work Intercessor does: the caller's
 *              /proc/<tid>/mem and maps (opened once per caller thread and kept; no liveness
 *              check, so this is a floor, not a safe supervisor), PROCMAP_QUERY for a writable
 *              mapping, pwrite of the host's struct sysinfo; everything else "continue"
 * Usage: supervisor SOCKET continue|spawn|sysinfo        (runs until killed) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

static int spawn_mode;
static int sysinfo_mode;

/* struct procmap_query (linux/fs.h, 6.11): not in Debian 12's headers. */
struct map_query {
    uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size,
        vma_offset, inode;
    uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define MAP_QUERY_REQUEST _IOWR('f', 17, struct map_query)
#define MAP_QUERY_VMA_WRITABLE 0x02

/* The caller thread whose /proc handles are kept (one per notify thread). */
struct caller {
    int tid, mem, maps;
};

/* Writes the host's struct sysinfo at the caller's `address`, as copy_to_user would: only into a
 * writable mapping. Returns 0 or -errno. */
static int emulate_sysinfo(struct caller *c, int tid, uint64_t address) {
    if (c->tid != tid) {
        char path[64];
        if (c->tid) {
            close(c->mem);
            close(c->maps);
        }
        snprintf(path, sizeof path, "/proc/%d/mem", tid);
        c->mem = open(path, O_RDWR | O_CLOEXEC);
        snprintf(path, sizeof path, "/proc/%d/maps", tid);
        c->maps = open(path, O_RDONLY | O_CLOEXEC);
        c->tid = tid;
        if (c->mem < 0 || c->maps < 0) {
            c->tid = 0;
            return -ESRCH;
        }
    }
    /* The host's figures, at most a second old (Intercessor caches them too). */
    static __thread struct sysinfo info;
    static __thread time_t taken;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    if (now.tv_sec != taken) {
        sysinfo(&info);
        taken = now.tv_sec;
    }
    struct map_query q = {.size = sizeof q, .query_flags = MAP_QUERY_VMA_WRITABLE, .query_addr = address};
    if (ioctl(c->maps, MAP_QUERY_REQUEST, &q) != 0 || q.vma_end < address + sizeof info) {
        return -EFAULT;
    }
    return pwrite(c->mem, &info, sizeof info, (off_t)address) == sizeof info ? 0 : -EFAULT;
}

/* Reads the caller's NUL-terminated path through /proc/<pid>/mem. */
static int read_path(int pid, uint64_t address, char *out, size_t size) {
    char mem[64];
    snprintf(mem, sizeof mem, "/proc/%d/mem", pid);
    int fd = open(mem, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = pread(fd, out, size - 1, (off_t)address);
    close(fd);
    if (n <= 0) {
        return -1;
    }
    out[n] = 0;
    return strnlen(out, size) < size - 1 ? 0 : -1;
}

static int spawn_mknod(int pid, const char *path, unsigned dev) {
    char target[16], mode[8], major_s[16], minor_s[16];
    snprintf(target, sizeof target, "%d", pid);
    snprintf(mode, sizeof mode, "0666");
    snprintf(major_s, sizeof major_s, "%u", major(dev));
    snprintf(minor_s, sizeof minor_s, "%u", minor(dev));
    pid_t child = fork();
    if (child == 0) {
        execl("/usr/bin/nsenter", "nsenter", "-t", target, "-m", "--", "/bin/mknod", "-m", mode,
              path, "c", major_s, minor_s, (char *)NULL);
        _exit(127);
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) < 0) {
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void *serve(void *arg) {
    int fd = (int)(long)arg;
    struct seccomp_notif_sizes sizes;
    syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);
    struct seccomp_notif *req = calloc(1, sizes.seccomp_notif);
    struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);
    struct caller caller = {0};
    ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
    for (;;) {
        memset(req, 0, sizes.seccomp_notif);
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
            /* ENOENT: a caller was killed, or every process of the filter is gone (RECV then
             * returns at once, so without this check the thread would spin). */
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (errno == EINTR || (errno == ENOENT && !(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)))) {
                continue;
            }
            break; /* the container is gone */
        }
        memset(resp, 0, sizes.seccomp_notif_resp);
        resp->id = req->id;
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        if (spawn_mode && req->data.nr == SYS_mknodat) {
            char path[4096];
            resp->flags = 0;
            if (read_path(req->pid, req->data.args[1], path, sizeof path) != 0) {
                resp->error = -EFAULT;
            } else if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) != 0) {
                continue;
            } else {
                resp->error = spawn_mknod(req->pid, path, (unsigned)req->data.args[3]) == 0 ? 0 : -EPERM;
            }
        } else if (sysinfo_mode && req->data.nr == SYS_sysinfo) {
            resp->flags = 0;
            resp->error = emulate_sysinfo(&caller, req->pid, req->data.args[0]);
        }
        ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
    }
    if (caller.tid) {
        close(caller.mem);
        close(caller.maps);
    }
    close(fd);
    free(req);
    free(resp);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: supervisor SOCKET continue|spawn|sysinfo\n");
        return 2;
    }
    spawn_mode = strcmp(argv[2], "spawn") == 0;
    sysinfo_mode = strcmp(argv[2], "sysinfo") == 0;
    int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    unlink(argv[1]);
    if (bind(server, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(server, 64) != 0) {
        perror("listen");
        return 1;
    }
    chmod(argv[1], 0600);
    for (;;) {
        int conn = accept4(server, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) {
            continue;
        }
        char data[65536];
        char control[CMSG_SPACE(sizeof(int) * 4)];
        struct iovec iov = {data, sizeof data};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof control};
        ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
        if (c && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
            pthread_t t;
            pthread_create(&t, NULL, serve, (void *)(long)fd);
            pthread_detach(t);
        }
        close(conn);
    }
}
