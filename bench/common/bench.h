/* bench.h - what every benchmark program shares: arguments, clocks, the one
 * output line, and failing loudly. C and C++ (the TBB peers include it too).
 *
 * Every program is   <benchmark>-<runtime> <threads> <n>
 * and prints exactly one line on stdout:
 *   benchmark,runtime,threads,n,result,seconds,cpu_seconds
 * seconds is wall time of the parallel region only (runtime started and warmed
 * before); cpu_seconds is the process's user+system CPU time over the same
 * region (getrusage), so cpu/wall shows how many cores were busy, spinning
 * included. A wrong result prints a message on stderr and exits 1. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifndef BENCH_RUNTIME          /* set by bench/CMakeLists.txt per build */
#define BENCH_RUNTIME "unknown"
#endif

typedef struct bench_clock { double wall, cpu; } bench_clock;

static inline double bench_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double bench_cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6
         + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static inline bench_clock bench_start(void)
{
    bench_clock c;
    c.cpu = bench_cpu_now();
    c.wall = bench_wall_now();
    return c;
}

/* Turns the start marks into elapsed wall and CPU seconds. */
static inline bench_clock bench_stop(bench_clock c)
{
    bench_clock e;
    e.wall = bench_wall_now() - c.wall;
    e.cpu = bench_cpu_now() - c.cpu;
    return e;
}

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
static inline void bench_fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: FAIL: ", BENCH_RUNTIME);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* argv[1] = threads (>= 1), argv[2] = n (>= 0); anything else is a usage error. */
static inline void bench_args(int argc, char **argv, int *threads, long *n)
{
    char *e1 = NULL, *e2 = NULL;
    if (argc == 3) {
        *threads = (int)strtol(argv[1], &e1, 10);
        *n = strtol(argv[2], &e2, 10);
    }
    if (argc != 3 || *e1 || *e2 || *threads < 1 || *threads > 4096 || *n < 0) {
        fprintf(stderr, "usage: %s <threads> <n>\n", argc > 0 ? argv[0] : "bench");
        exit(2);
    }
}

/* The one machine-readable line; result is already formatted. */
static inline void bench_report(const char *benchmark, int threads, long n,
                                const char *result, bench_clock e)
{
    printf("%s,%s,%d,%ld,%s,%.6f,%.6f\n", benchmark, BENCH_RUNTIME, threads, n,
           result, e.wall, e.cpu);
    fflush(stdout);
}

static inline void bench_report_u64(const char *benchmark, int threads, long n,
                                    uint64_t result, bench_clock e)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, result);
    bench_report(benchmark, threads, n, buf, e);
}

/* Keeps the compiler from merging or dropping loops around it: it must
 * assume all memory is read and written here (used between triad sweeps,
 * whose earlier results are otherwise dead stores). */
static inline void bench_clobber(void)
{
    __asm__ __volatile__("" ::: "memory");
}

/* splitmix64's finaliser (Steele, Lea, Flood 2014): the benchmarks' only
 * source of pseudo-randomness, so every runtime sees the same input. */
static inline uint64_t bench_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#endif /* BENCH_COMMON_H */
