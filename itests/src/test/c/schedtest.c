/* Scheduling calls made inside a container.
 * Usage: schedtest set PID other|fifo|rr|batch|idle|<number> PRIORITY  sched_setscheduler
 *        schedtest param PID PRIORITY                                   sched_setparam
 *        schedtest get PID                            "policy=<n> priority=<n>"
 *        schedtest badparam PID                       sched_setscheduler with param = (void*)1
 *        schedtest asuser UID set|param ...           drop to UID (and its caps) first
 * Prints "ok", "errno=<NAME>" or the values read. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errnames.h"

/* Returns "NAME" or the number as text (in a static buffer: these programs have one thread
 * that reports). */
static const char *errname(int e) {
    static char buf[16];
    return errno_name(e, buf);
}

static void report(long r) {
    if (r == 0) {
        printf("ok\n");
    } else {
        printf("errno=%s\n", errname(errno));
    }
}

static int policy_of(const char *s) {
    if (!strcmp(s, "other")) return SCHED_OTHER;
    if (!strcmp(s, "fifo")) return SCHED_FIFO;
    if (!strcmp(s, "rr")) return SCHED_RR;
    if (!strcmp(s, "batch")) return SCHED_BATCH;
    if (!strcmp(s, "idle")) return SCHED_IDLE;
    return atoi(s);
}

int main(int argc, char **argv) {
    if (argc >= 4 && !strcmp(argv[1], "asuser")) {
        if (setgid(atoi(argv[2])) != 0 || setuid(atoi(argv[2])) != 0) {
            printf("setuid errno=%s\n", errname(errno));
            return 0;
        }
        argv += 2;
        argc -= 2;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: see source\n");
        return 2;
    }
    pid_t pid = atoi(argv[2]);
    if (!strcmp(argv[1], "set") && argc >= 5) {
        struct sched_param p = {.sched_priority = atoi(argv[4])};
        report(syscall(SYS_sched_setscheduler, pid, policy_of(argv[3]), &p));
    } else if (!strcmp(argv[1], "param") && argc >= 4) {
        struct sched_param p = {.sched_priority = atoi(argv[3])};
        report(syscall(SYS_sched_setparam, pid, &p));
    } else if (!strcmp(argv[1], "get")) {
        struct sched_param p;
        int policy = sched_getscheduler(pid);
        sched_getparam(pid, &p);
        printf("policy=%d priority=%d\n", policy, p.sched_priority);
    } else if (!strcmp(argv[1], "badparam")) {
        report(syscall(SYS_sched_setscheduler, pid, SCHED_FIFO, (void *)1));
    } else {
        fprintf(stderr, "unknown command\n");
        return 2;
    }
    return 0;
}
