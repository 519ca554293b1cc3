/* uname(2) from an i386 program: the kernel reports the call as AUDIT_ARCH_I386, number 122.
 * Prints "sysname=<sysname> machine=<machine>", or "errno=<number>".
 *
 * Freestanding (no libc, no headers), so that plain gcc builds it without a 32-bit libc
 * (gcc-multilib): gcc -m32 -static -nostdlib -ffreestanding -fno-pie -no-pie
 * -fno-stack-protector -o uname32 uname32.c */

#define NR_EXIT 1
#define NR_WRITE 4
#define NR_UNAME 122
#define FIELD 65 /* struct new_utsname: six fields of 65 bytes */

static long call3(long nr, long a, long b, long c) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}

static char out[256];
static int used;

static void put(const char *s, int max) {
    for (int i = 0; i < max && s[i] != 0 && used < (int) sizeof(out); i++) {
        out[used++] = s[i];
    }
}

static void put_number(long n) {
    char digits[12];
    int k = 0;
    do {
        digits[k++] = (char) ('0' + n % 10);
        n /= 10;
    } while (n > 0 && k < (int) sizeof(digits));
    while (k > 0 && used < (int) sizeof(out)) {
        out[used++] = digits[--k];
    }
}

void _start(void) {
    static char u[6 * FIELD];
    long r = call3(NR_UNAME, (long) u, 0, 0);
    if (r < 0) {
        put("errno=", 6);
        put_number(-r);
    } else {
        put("sysname=", 8);
        put(u, FIELD);
        put(" machine=", 9);
        put(u + 4 * FIELD, FIELD);
    }
    put("\n", 1);
    call3(NR_WRITE, 1, (long) out, used);
    call3(NR_EXIT, r < 0 ? 1 : 0, 0, 0);
    for (;;) {
    }
}
