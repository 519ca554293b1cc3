/* The benchmark's caller, run inside a container: times each trapped call.
 * Usage: caller getppid|sysinfo|mknod ITERATIONS [THREADS] [DIR]
 *   getppid  getppid() (trapped: answered "continue" by the supervisor, or not trapped at all)
 *   sysinfo  sysinfo()
 *   mknod    mknodat(DIR/null-<thread>, char 1:3) then unlink it; the pair is timed
 * Single thread: prints "calls=N mean=… p50=… p99=… p999=… max=…" (nanoseconds) and then
 * "samples=<file>" if CALLER_SAMPLES names a file to write every latency to (one per line).
 * Several threads: prints "calls=N seconds=S rate=<calls per second> start=T0 end=T1" over all
 * threads (T0, T1: CLOCK_MONOTONIC ns, one clock for every container). With CALLER_GATE=<file>,
 * it warms up, prints "ready" and waits until that file exists before it starts, so that several
 * containers can be started one by one and then measured over the same window. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static const char *kind;
static long iterations;
static const char *dir = "/bench";

static inline long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int one_call(int thread) {
    if (kind[0] == 'g') {
        return syscall(SYS_getppid) >= 0 ? 0 : -1;
    }
    if (kind[0] == 's') {
        struct sysinfo s;
        return sysinfo(&s);
    }
    char path[256];
    snprintf(path, sizeof path, "%s/null-%d", dir, thread);
    if (mknodat(AT_FDCWD, path, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        return -1;
    }
    return unlink(path);
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static void *worker(void *arg) {
    int thread = (int)(long)arg;
    for (long i = 0; i < iterations; i++) {
        if (one_call(thread) != 0) {
            fprintf(stderr, "call failed: %s\n", strerror(errno));
            exit(1);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: caller getppid|sysinfo|mknod ITERATIONS [THREADS] [DIR]\n");
        return 2;
    }
    kind = argv[1];
    iterations = atol(argv[2]);
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    if (argc > 4) {
        dir = argv[4];
    }
    for (int i = 0; i < 200; i++) { /* warm up caches and the supervisor's JIT */
        if (one_call(0) != 0) {
            fprintf(stderr, "warm-up call failed: %s\n", strerror(errno));
            return 1;
        }
    }
    if (threads > 1) {
        const char *gate = getenv("CALLER_GATE");
        if (gate && *gate) {
            printf("ready\n");
            fflush(stdout);
            struct stat st;
            while (stat(gate, &st) != 0) { /* neither call is trapped */
                usleep(1000);
            }
        }
        pthread_t t[threads];
        long long start = now_ns();
        for (int i = 0; i < threads; i++) {
            pthread_create(&t[i], NULL, worker, (void *)(long)i);
        }
        for (int i = 0; i < threads; i++) {
            pthread_join(t[i], NULL);
        }
        long long end = now_ns();
        double seconds = (end - start) / 1e9;
        printf("calls=%ld seconds=%.3f rate=%.0f start=%lld end=%lld\n", iterations * threads, seconds,
               iterations * threads / seconds, start, end);
        return 0;
    }
    long long *lat = malloc(sizeof(long long) * iterations);
    for (long i = 0; i < iterations; i++) {
        long long t0 = now_ns();
        if (one_call(0) != 0) {
            fprintf(stderr, "call failed: %s\n", strerror(errno));
            return 1;
        }
        lat[i] = now_ns() - t0;
    }
    const char *samples = getenv("CALLER_SAMPLES");
    if (samples && *samples) {
        FILE *f = fopen(samples, "w");
        for (long i = 0; f && i < iterations; i++) {
            fprintf(f, "%lld\n", lat[i]);
        }
        if (f) {
            fclose(f);
        }
    }
    long double sum = 0;
    for (long i = 0; i < iterations; i++) {
        sum += lat[i];
    }
    qsort(lat, iterations, sizeof lat[0], cmp);
    printf("calls=%ld mean=%.0Lf p50=%lld p99=%lld p999=%lld max=%lld\n", iterations, sum / iterations,
           lat[iterations / 2], lat[(long)(iterations * 0.99)], lat[(long)(iterations * 0.999)],
           lat[iterations - 1]);
    return 0;
}
