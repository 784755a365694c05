/* spread.c - keeping the awake workers of an unpinned pool on distinct CPUs.
 *
 * Why: on the 2-CPU VM (kernel 6.18 with sched_vcpu_pack=15 on its command
 * line, a policy that packs threads onto fewer vCPUs), a worker woken after
 * a long park was queued on the CPU of the worker that woke it, not on the
 * idle one. A parallel phase after serial work (triad's first sweep, sort's
 * first level) then ran on one CPU: the second worker joined 1.2-4.2 ms
 * late, often on the first one's CPU, and the kernel's balancer separated
 * them 4.5-8 ms after that; triad's first sweep took 15-20 ms instead of
 * 14.5, and sort at 2 workers was 4% slower than with fj_config.pin. libgomp
 * escapes it because its master keeps its own CPU busy. Workers must stay
 * unpinned (the contract's pin = 0), so forja moves a worker only at the
 * moment it finds the clash, and leaves the rest to the kernel.
 *
 * Protocol (only when fji_spread_wanted at create: unpinned, 2 or more
 * workers, no more workers than CPUs; with more, clashes are unavoidable):
 *   1. Each worker publishes in w->cpu the CPU it runs on when it starts and
 *      when it returns from park, and FJI_CPU_PARKED before it parks.
 *   2. A worker that returns from a park that slept and finds another awake
 *      worker's published CPU equal to its own moves itself to a CPU of its
 *      affinity mask that no awake worker published: a one-CPU mask, which
 *      the kernel applies by migrating the thread before the call returns,
 *      then the mask it had again, which lets it stay where it is (os.c
 *      fji_os_move_off). So it ends with the affinity it had: unpinned,
 *      or as the program or an administrator narrowed it since.
 *   3. A worker whose post claimed a wake-up (sleep.c claim_wake) yields
 *      once: the wakee, if the kernel queued it on this CPU, runs now and
 *      moves (2.) instead of waiting for this worker's time slice, during
 *      which it could not even ask for work. Outside threads do not yield.
 * Measured on 2 CPUs (interleaved medians at 2 workers): triad 141.1 ->
 * 138.7 ms and 141.8 -> 139.8, sort 161.2 -> 158.1 and 162.2 -> 159.7; the
 * second worker joined triad's first sweep 35-40 us after the first, on the
 * other CPU, in 6 of 6 runs (15-20 ms first sweeps became 14.1-15.0). The
 * other benchmarks at 1 and 2 workers: within 2%, as much as the 1-worker
 * runs (where nothing changed) vary. Not yet measured beyond 2 CPUs.
 *
 * Invariants
 *   I1  A worker runs no task with the one-CPU mask: it lasts from one
 *       system call to the next, both in the park path of help_until
 *       (the idle loop, or fj_wg_wait inside a task), and the mask the
 *       worker had is set again (or the process's, if that fails).
 *   I2  Only the worker writes its cpu; a published CPU is a hint (the
 *       kernel may have moved the worker since), never a promise.
 * No orderings: cpu is read and written relaxed, and nothing but this
 * choice depends on it.
 */
#define _GNU_SOURCE
#include "spread.h"

#include <sched.h>

#include "atomics.h"
#include "os.h"
#include "pool.h"
#include "worker.h"

bool fji_spread_wanted(bool pin, unsigned workers)
{
    return !pin && workers >= 2 && workers <= fji_os_cpu_count();
}

static void publish(struct fji_worker *w, int cpu)
{
    fji_store_relaxed_32((uint32_t *)&w->cpu, (uint32_t)cpu);      /* I2 */
}

/* The CPUs the other awake workers published, gathered in one pass over
 * the workers, so that a clash test and trying each CPU of the mask in a
 * move cost a bit test each: O(workers + CPUs), not their product. */
static void gather(const struct fj_pool *p, const struct fji_worker *self, cpu_set_t *used)
{
    CPU_ZERO(used);
    for (unsigned i = 0; i < p->size; i++) {
        const struct fji_worker *v = &p->workers[i];
        int32_t c = (int32_t)fji_load_relaxed_32((const uint32_t *)&v->cpu);  /* I2 */
        if (v != self && c >= 0 && c < CPU_SETSIZE)
            CPU_SET(c, used);
    }
}

static bool taken(int cpu, void *used)
{
    return cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, (cpu_set_t *)used);
}

bool fji_spread_clash(const struct fj_pool *p, const struct fji_worker *self, int cpu)
{
    cpu_set_t used;
    gather(p, self, &used);
    return taken(cpu, &used);
}

void fji_spread_started(struct fji_worker *w)
{
    if (w->pool->sleep.spread)                  /* else it stays PARKED (pool.c) */
        publish(w, fji_os_current_cpu());
}

void fji_spread_parking(struct fji_worker *w)
{
    if (w->pool->sleep.spread)
        publish(w, FJI_CPU_PARKED);
}

void fji_spread_returned(struct fji_worker *w, bool slept)
{
    if (!w->pool->sleep.spread)
        return;
    int me = fji_os_current_cpu();              /* -1: unknown, never a clash */
    if (slept) {
        cpu_set_t used;
        gather(w->pool, w, &used);
        if (taken(me, &used)) {
            int to = fji_os_move_off(me, taken, &used);
            if (to >= 0)
                me = to;
        }
    }
    publish(w, me);
}

void fji_spread_after_wake(void)
{
    if (fji_self())
        sched_yield();
}
