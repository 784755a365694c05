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

/* The CPU that worker self, running on CPU me, should move to: one of the
 * process's CPUs that no other awake worker of p published. -1 when no other
 * awake worker published me, or when every CPU has one. Reads the published
 * CPUs only (exposed for tests). */
int fji_spread_target(const struct fj_pool *p, const struct fji_worker *self, int me);

#endif
