/* fib - the core's spawn+sync cost in one run (issue 2).
 *
 *   fib <workers> <n> [both|forja|typed|serial]
 *
 * fib(n) as fj_spawn fib(n-1), call fib(n-2), fj_sync, with no cutoff, on a
 * pool of <workers>; the same as a typed task (FJ_TASK: FJ_SPAWN, FJ_CALL,
 * FJ_SYNC); and the plain serial recursion, in the same process. Each is
 * timed best of 5 and the ratios to serial printed. fib(n) makes fib(n+1)-1
 * spawn+sync pairs. "forja", "typed" or "serial" runs only that part, once
 * (bench/callgrind.sh counts instructions that way). Exit 1 on a wrong sum. */
#include "common/forja_util.h"
#include "fib/fib.h"

#include "fib/forja_task.h"

static uint64_t fib_serial(long n)
{
    return n < 2 ? (uint64_t)n : fib_serial(n - 1) + fib_serial(n - 2);
}

static double time_forja(fj_pool *pool, long n, fj_fn root)
{
    struct fib_arg a = { n, 0 };
    double t = bench_wall_now();
    int rc = fj_run(pool, root, &a);
    t = bench_wall_now() - t;
    if (rc != 0)
        bench_fail("fj_run: error %d", rc);
    fib_check(n, a.r);
    return t;
}

static double time_serial(long n)
{
    double t = bench_wall_now();
    uint64_t r = fib_serial(n);
    t = bench_wall_now() - t;
    fib_check(n, r);
    return t;
}

int main(int argc, char **argv)
{
    const char *mode = argc == 4 ? argv[3] : "both";
    int both = !strcmp(mode, "both"), forja = !strcmp(mode, "forja");
    int typed = !strcmp(mode, "typed"), serial = !strcmp(mode, "serial");
    int workers;
    long n;
    if (argc < 3 || argc > 4 || !(both || forja || typed || serial)) {
        fprintf(stderr, "usage: %s <workers> <n> [both|forja|typed|serial]\n", argv[0]);
        return 2;
    }
    bench_args(3, argv, &workers, &n);
    if (n > 93)
        bench_fail("fib(%ld) overflows 64 bits", n);
    if (forja || typed || serial) { /* one run, for instruction counting */
        if (forja || typed) {
            fj_pool *pool = bench_forja_pool(workers);
            time_forja(pool, n, forja ? fib_task : fib_t_root);
            bench_forja_done(pool);
        } else {
            time_serial(n);
        }
        printf("fib(%ld) = %" PRIu64 " (%s, %" PRIu64 " spawn+sync pairs)\n", n,
               fib_expected(n), mode, fib_expected(n + 1) - 1);
        return 0;
    }
    fj_pool *pool = bench_forja_pool(workers);
    double tf = 1e30, tt = 1e30, ts = 1e30;
    for (int i = 0; i < 5; i++) {
        double t = time_forja(pool, n, fib_task);
        tf = t < tf ? t : tf;
        t = time_forja(pool, n, fib_t_root);
        tt = t < tt ? t : tt;
        t = time_serial(n);
        ts = t < ts ? t : ts;
    }
    bench_forja_done(pool);
    uint64_t pairs = fib_expected(n + 1) - 1;
    printf("fib(%ld) = %" PRIu64 ", %" PRIu64 " spawn+sync pairs, best of 5\n", n,
           fib_expected(n), pairs);
    printf("forja, %d worker%s: %.6f s (%.2f ns per pair)\n", workers,
           workers == 1 ? "" : "s", tf, tf * 1e9 / (double)pairs);
    printf("typed (FJ_TASK):   %.6f s (%.2f ns per pair)\n", tt, tt * 1e9 / (double)pairs);
    printf("serial recursion:  %.6f s\n", ts);
    printf("ratio forja/serial: %.2f, typed/serial: %.2f\n", tf / ts, tt / ts);
    return 0;
}
