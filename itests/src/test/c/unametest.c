/* Calls uname(2) (the kernel's newuname) directly and prints what it saw:
 * "sysname=<sysname> machine=<machine>", or "errno=<NAME>". Built for the native architecture;
 * uname32.c is the same call from an i386 program. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "errnames.h"

int main(void) {
    struct utsname u;
    char buf[16];
    if (syscall(SYS_uname, &u) != 0) {
        printf("errno=%s\n", errno_name(errno, buf));
        return 1;
    }
    printf("sysname=%s machine=%s\n", u.sysname, u.machine);
    return 0;
}
