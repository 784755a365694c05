/* stats.c - fj_pool_stats: sums of the per-worker counters.
 *
 * Each worker counts into its own cache lines (tasks in its hot fields,
 * detail.h; the rest in fji_counters, stats.h), written only by itself with
 * relaxed atomic stores, so counting costs no shared-line traffic. This file
 * reads them with relaxed loads while the workers run: the sums may lag by a
 * few counts, and are exact once the pool is idle (the workers' last stores
 * happen-before anything that observed the pool idle: a wait returning, a
 * join).
 */
#include <errno.h>

#include "atomics.h"
#include "pool.h"

int fj_pool_stats(const fj_pool *pool, fj_stats *out)
{
    if (!out)
        return EINVAL;
    int e;
    fj_pool *p = fji_pool_resolve(pool, &e, "fj_pool_stats");
    if (!p)
        return e;
    fj_stats s = { 0, 0, 0, 0 };
    for (unsigned i = 0; i < p->size; i++) {
        fji_worker *w = &p->workers[i];
        s.tasks += fji_load_relaxed_64(&w->deque.hot.tasks);
        s.steals += fji_load_relaxed_64(&w->stats.steals);
        s.steal_attempts += fji_load_relaxed_64(&w->stats.steal_attempts);
        s.sleeps += fji_load_relaxed_64(&w->stats.sleeps);
    }
    *out = s;
    return 0;
}
