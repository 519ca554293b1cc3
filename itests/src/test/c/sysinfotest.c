/* Calls sysinfo(2) inside a container and prints what it saw, with the number of processes
 * visible in /proc counted just before and just after the call.
 * Usage: sysinfotest [badptr|readonly|crossing]
 * Default output: "total=<totalram*mem_unit> free=<freeram*mem_unit> procs=<procs>
 *                  counted=<before>/<after> uptime=<seconds> unit=<mem_unit>"
 * Bad-pointer modes print "errno=<NAME>" or "ok". */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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

int main(int argc, char **argv) {
    long page = sysconf(_SC_PAGESIZE);
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
