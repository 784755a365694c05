/* spread.h - awake workers of an unpinned pool on distinct CPUs (spread.c). */
#ifndef FJI_SPREAD_H
#define FJI_SPREAD_H

#include <stdbool.h>

struct fj_pool;
struct fji_worker;

#define FJI_CPU_PARKED (-1)           /* fji_worker.cpu while parked */

/* Should the pool spread its workers: unpinned, at least two workers, and
 * no more than the process has CPUs? (pool.c, at create.) */
bool fji_spread_wanted(bool pin, unsigned workers);

/* The worker's own thread: it starts, it is about to park, it returned from
 * a park (slept: it waited on the futex; else it never slept). */
void fji_spread_started(struct fji_worker *w);
void fji_spread_parking(struct fji_worker *w);
void fji_spread_returned(struct fji_worker *w, bool slept);

/* After a claimed wake-up (sleep.c), when the pool spreads: a worker yields
 * once, so that a wakee the kernel queued on this CPU runs now and moves. */
void fji_spread_after_wake(void);

/* Has an awake worker of p other than self published cpu? The test
 * fji_spread_returned makes, on the same gathered set (exposed for tests). */
bool fji_spread_clash(const struct fj_pool *p, const struct fji_worker *self, int cpu);

#endif
