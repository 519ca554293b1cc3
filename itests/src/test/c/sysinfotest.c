/* Calls sysinfo(2) inside a container and prints what it saw, with the number of processes
 * visible in /proc counted just before and just after the call.
 * Usage: sysinfotest [badptr|readonly|crossing|vforkexec|timens|loop N]
 * Default output: "total=<totalram*mem_unit> free=<freeram*mem_unit> procs=<procs>
 *                  counted=<before>/<after> uptime=<seconds> unit=<mem_unit>"
 * Bad-pointer modes print "errno=<NAME>" or "ok".
 * vforkexec: a vfork child calls sysinfo on a page it shares with its parent, execs itself, and
 * calls sysinfo again on a page at the same address, now its own; prints
 * "parent=<untouched|overwritten> child=<filled|empty|errno>": the supervisor must write the
 * child's new memory, never the parent's through a handle opened before the exec.
 * timens: unshares a time namespace (CAP_SYS_ADMIN) whose boot time is a day ahead (CAP_SYS_TIME),
 * then prints "parent=<uptime> child=<uptime> boottime=<seconds>": sysinfo's uptime in this
 * process (still in its old namespace), in a child forked into the new one, and the child's
 * CLOCK_BOOTTIME.
 * loop N: N sysinfo calls (keeps the container's notify fd busy, so that a thread stays with it),
 * prints "loop=<number that failed>". */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <time.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static int count_processes(void) {
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
            n++;
        }
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static void report(long r) {
    if (r == 0) {
        printf("ok\n");
    } else {
        printf("errno=%s\n", errno == EFAULT ? "EFAULT" : strerror(errno));
    }
}

#define SHARED_PAGE ((void *)0x200000000000UL)

/* Waits for the child, then prints whether the parent's page (marked 0xa5) kept its mark and
 * whether the child's sysinfo filled its own (its exit status: 0 filled, 1 empty, else errno). */
static int report_pages(pid_t child, const unsigned char *p, long page) {
    int status;
    waitpid(child, &status, 0);
    int untouched = 1;
    for (long i = 0; i < page; i++) {
        untouched &= p[i] == 0xa5;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 99;
    printf("parent=%s child=%s\n", untouched ? "untouched" : "overwritten",
           code == 0 ? "filled" : code == 1 ? "empty" : "errno");
    return 0;
}

static int vfork_exec(char *self, long page) {
    unsigned char *p = mmap(SHARED_PAGE, page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    int go[2];
    if (p == MAP_FAILED || pipe(go) != 0) {
        perror("setup");
        return 1;
    }
    char fd[16];
    snprintf(fd, sizeof fd, "%d", go[0]);
    pid_t child = vfork();
    if (child == 0) {
        syscall(SYS_sysinfo, p); /* the supervisor may keep handles to this (shared) memory */
        execl(self, self, "afterexec", fd, (char *)NULL);
        _exit(127);
    }
    /* The child has exec'd: the page is the parent's alone. Mark it, then let the child call. */
    memset(p, 0xa5, page);
    if (write(go[1], "x", 1) != 1) {
        return 1;
    }
    return report_pages(child, p, page);
}

/* The exec'd child: its own page at the same address, zeroed; sysinfo must fill it. */
static int after_exec(int go, long page) {
    struct sysinfo *s = mmap(SHARED_PAGE, page, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    char c;
    if (s == MAP_FAILED || read(go, &c, 1) != 1) {
        return 2;
    }
    if (syscall(SYS_sysinfo, s) != 0) {
        return 2;
    }
    return s->totalram != 0 && s->mem_unit != 0 ? 0 : 1;
}

static char *step_dir;

static void step_write(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", step_dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fclose(f);
    }
}

static void step_wait(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", step_dir, name);
    while (access(path, F_OK) != 0) {
        usleep(1000);
    }
}

static void *short_lived(void *page) {
    syscall(SYS_sysinfo, page); /* the supervisor may keep this thread's handles */
    step_write("thread-called");
    step_wait("thread-may-end");
    return NULL;
}

static int tid_reuse(long page) {
    unsigned char *p = mmap(SHARED_PAGE, page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    pthread_t thread;
    if (p == MAP_FAILED || pthread_create(&thread, NULL, short_lived, p) != 0) {
        perror("setup");
        return 1;
    }
    pthread_join(thread, NULL);
    step_write("thread-ended");
    step_wait("fork"); /* the host has pointed its next pid at the ended thread's */
    memset(p, 0xa5, page);
    pid_t child = fork();
    if (child == 0) {
        struct sysinfo *s = (struct sysinfo *)p;
        memset(p, 0, page);
        int code = syscall(SYS_sysinfo, s) != 0 ? 2 : s->totalram != 0 && s->mem_unit != 0 ? 0 : 1;
        step_write("child-called");
        step_wait("child-may-exit");
        _exit(code);
    }
    return report_pages(child, p, page);
}

static int time_namespace(void) {
    struct sysinfo s;
    if (unshare(CLONE_NEWTIME) != 0) {
        printf("unshare: %s\n", strerror(errno));
        return 1;
    }
    FILE *f = fopen("/proc/self/timens_offsets", "w");
    if (f == NULL || fprintf(f, "boottime 86400 0\n") < 0 || fclose(f) != 0) {
        printf("timens_offsets: %s\n", strerror(errno));
        return 1;
    }
    if (sysinfo(&s) != 0) {
        printf("sysinfo: %s\n", strerror(errno));
        return 1;
    }
    long parent = s.uptime;
    int out[2];
    if (pipe(out) != 0) {
        return 1;
    }
    pid_t child = fork();
    if (child == 0) {
        struct timespec t;
        long line[2] = {-1, -1};
        if (sysinfo(&s) == 0 && clock_gettime(CLOCK_BOOTTIME, &t) == 0) {
            line[0] = s.uptime;
            line[1] = t.tv_sec;
        }
        _exit(write(out[1], line, sizeof line) == sizeof line ? 0 : 1);
    }
    long line[2];
    if (read(out[0], line, sizeof line) != sizeof line) {
        return 1;
    }
    waitpid(child, NULL, 0);
    printf("parent=%ld child=%ld boottime=%ld\n", parent, line[0], line[1]);
    return 0;
}

int main(int argc, char **argv) {
    long page = sysconf(_SC_PAGESIZE);
    if (argc > 2 && strcmp(argv[1], "tidreuse") == 0) {
        step_dir = argv[2];
        return tid_reuse(page);
    }
    if (argc > 1 && strcmp(argv[1], "timens") == 0) {
        return time_namespace();
    }
    if (argc > 2 && strcmp(argv[1], "loop") == 0) {
        struct sysinfo s;
        long n = atol(argv[2]), failed = 0;
        for (long i = 0; i < n; i++) {
            failed += sysinfo(&s) != 0;
        }
        printf("loop=%ld\n", failed);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "vforkexec") == 0) {
        return vfork_exec(argv[0], page);
    }
    if (argc > 2 && strcmp(argv[1], "afterexec") == 0) {
        return after_exec(atoi(argv[2]), page);
    }
    if (argc > 1 && strcmp(argv[1], "badptr") == 0) {
        report(syscall(SYS_sysinfo, (void *)1));
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "readonly") == 0) {
        void *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        report(syscall(SYS_sysinfo, p));
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "crossing") == 0) {
        char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        munmap(p + page, page);
        report(syscall(SYS_sysinfo, p + page - 16)); /* 16 of 112 bytes mapped */
        return 0;
    }
    struct sysinfo s;
    int before = count_processes();
    if (sysinfo(&s) != 0) {
        printf("sysinfo: %s\n", strerror(errno));
        return 1;
    }
    int after = count_processes();
    printf("total=%llu free=%llu procs=%u counted=%d/%d uptime=%ld unit=%u\n",
           (unsigned long long)s.totalram * s.mem_unit, (unsigned long long)s.freeram * s.mem_unit,
           s.procs, before, after, s.uptime, s.mem_unit);
    return 0;
}
