/* Extended-attribute calls made from inside a container (and, for "get", from the host).
 * Usage: xattrtest set|lset|fset PATH NAME VALUE [FLAGS]   setxattr / lsetxattr / fsetxattr
 *        xattrtest get PATH NAME                          lgetxattr: "value=<v>" or errno
 *        xattrtest badname|badvalue|badpath|longname|unterminated|bigvalue|badflags PATH
 *        xattrtest race PATH ITERATIONS    rewrites name and value while calling setxattr
 * Prints one line: "ok", "value=...", "errno=<NAME>", or for race "race done". */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
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

static char race_name[64] = "trusted.overlay.opaque";
static char race_value[2] = "y";
static volatile int racing = 1;

static void *flipper(void *arg) {
    (void)arg;
    while (racing) {
        memcpy(race_name, "trusted.overlay.opaqux", 22);
        race_value[0] = 'n';
        memcpy(race_name, "trusted.overlay.opaque", 22);
        race_value[0] = 'y';
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: see source\n");
        return 2;
    }
    const char *cmd = argv[1], *path = argv[2];
    int flags = argc > 5 ? atoi(argv[5]) : 0;
    if (!strcmp(cmd, "set") && argc >= 5) {
        report(setxattr(path, argv[3], argv[4], strlen(argv[4]), flags));
    } else if (!strcmp(cmd, "lset") && argc >= 5) {
        report(lsetxattr(path, argv[3], argv[4], strlen(argv[4]), flags));
    } else if (!strcmp(cmd, "fset") && argc >= 5) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            printf("open errno=%s\n", errname(errno));
            return 0;
        }
        report(fsetxattr(fd, argv[3], argv[4], strlen(argv[4]), flags));
    } else if (!strcmp(cmd, "get") && argc >= 4) {
        char buf[256];
        ssize_t n = lgetxattr(path, argv[3], buf, sizeof buf - 1);
        if (n < 0) {
            printf("errno=%s\n", errname(errno));
        } else {
            buf[n] = 0;
            printf("value=%s\n", buf);
        }
    } else if (!strcmp(cmd, "badname")) {
        report(syscall(SYS_setxattr, path, (char *)1, "y", 1, 0));
    } else if (!strcmp(cmd, "badvalue")) {
        report(syscall(SYS_setxattr, path, "trusted.overlay.opaque", (char *)1, 1, 0));
    } else if (!strcmp(cmd, "badpath")) {
        report(syscall(SYS_setxattr, (char *)1, "trusted.overlay.opaque", "y", 1, 0));
    } else if (!strcmp(cmd, "longname")) {
        char name[300];
        memset(name, 'a', sizeof name - 1);
        memcpy(name, "trusted.", 8);
        name[sizeof name - 1] = 0;
        report(setxattr(path, name, "y", 1, 0));
    } else if (!strcmp(cmd, "unterminated")) {
        /* a name running into an unmapped page without its NUL */
        long page = sysconf(_SC_PAGESIZE);
        char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        munmap(p + page, page);
        memset(p + page - 40, 'a', 40);
        memcpy(p + page - 40, "trusted.", 8);
        report(setxattr(path, p + page - 40, "y", 1, 0));
    } else if (!strcmp(cmd, "bigvalue")) {
        static char big[70000];
        report(setxattr(path, "trusted.overlay.opaque", big, sizeof big, 0));
    } else if (!strcmp(cmd, "badflags")) {
        report(setxattr(path, "trusted.overlay.opaque", "y", 1, 4));
    } else if (!strcmp(cmd, "race") && argc >= 4) {
        pthread_t t;
        pthread_create(&t, NULL, flipper, NULL);
        int n = atoi(argv[3]);
        for (int i = 0; i < n; i++) {
            syscall(SYS_setxattr, path, race_name, race_value, 1, 0);
        }
        racing = 0;
        pthread_join(t, NULL);
        printf("race done\n");
    } else {
        fprintf(stderr, "unknown command %s\n", cmd);
        return 2;
    }
    return 0;
}
