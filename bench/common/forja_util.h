/* forja_util.h - pool setup shared by the forja benchmark programs: a pool of
 * exactly the requested workers (never the default pool), warmed up so that
 * every worker thread exists, has run and has stolen before timing starts.
 * FORJA_BENCH_STATS=1 prints the pool's counters for the timed part (from the
 * end of the warm-up to destroy) on stderr, where the runner ignores them.
 * FORJA_BENCH_PIN=1 sets fj_config.pin (worker i on the i-th allowed CPU), to
 * tell the scheduler's placement from forja's own costs; the runner never
 * sets it, so the tables compare default configurations. */
#ifndef BENCH_FORJA_UTIL_H
#define BENCH_FORJA_UTIL_H

#include <forja.h>

#include "bench.h"
#include "fib/forja_task.h"

static fj_stats bench_stats_base;         /* counters at the end of the warm-up */

/* A pool of `threads` workers, warmed by a few small fork-join trees (the fib
 * benchmark's task, fib(22)). */
static inline fj_pool *bench_forja_pool(int threads)
{
    fj_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.workers = (unsigned)threads;
    const char *pin = getenv("FORJA_BENCH_PIN");
    cfg.pin = pin && pin[0] == '1';
    fj_pool *pool = NULL;
    int rc = fj_pool_create(&pool, &cfg);
    if (rc != 0)
        bench_fail("fj_pool_create(%d workers): error %d", threads, rc);
    for (int i = 0; i < 3; i++) {
        struct fib_arg w = { 22, 0 };
        rc = fj_run(pool, fib_task, &w);
        if (rc != 0 || w.r != 17711)
            bench_fail("warm-up fj_run: error %d, fib(22) = %" PRIu64, rc, w.r);
    }
    (void)fj_pool_stats(pool, &bench_stats_base);
    return pool;
}

/* The timed region of a forja program: fj_run(pool, fn, arg) between the
 * clocks; an error fails the run. Returns the elapsed times. */
static inline bench_clock bench_forja_run(fj_pool *pool, fj_fn fn, void *arg)
{
    bench_clock c = bench_start();
    int rc = fj_run(pool, fn, arg);
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_run: error %d", rc);
    return e;
}

static inline void bench_forja_done(fj_pool *pool)
{
    const char *env = getenv("FORJA_BENCH_STATS");
    fj_stats s;
    if (env && env[0] == '1' && fj_pool_stats(pool, &s) == 0)
        fprintf(stderr, "forja stats: tasks %" PRIu64 " steals %" PRIu64
                " attempts %" PRIu64 " sleeps %" PRIu64 "\n",
                s.tasks - bench_stats_base.tasks, s.steals - bench_stats_base.steals,
                s.steal_attempts - bench_stats_base.steal_attempts,
                s.sleeps - bench_stats_base.sleeps);
    int rc = fj_pool_destroy(pool);
    if (rc != 0)
        bench_fail("fj_pool_destroy: error %d", rc);
}

#endif /* BENCH_FORJA_UTIL_H */
