/* go.c - submitting work: fj_go, fj_go_copy and fj_run.
 *
 * Where a task goes:
 *   - from a worker of the target pool: its own deque (no lock, no
 *     allocation up to FJ_COPY_INLINE bytes of copy), published at once so
 *     another worker can take it even if the submitting task blocks, then
 *     the wake-up check (the publish CAS is sleep.c's P1);
 *   - from anywhere else, or when that deque is full: the calling thread's
 *     injection queue (inject.c), then the wake-up check.
 * fj_run from outside queues a root record whose trampoline signals a futex
 * word on the caller's stack; the caller spins briefly, then sleeps on it.
 * A sleeping caller needs a CPU back when its call ends, and on a pool with
 * a worker per CPU every CPU is then held by a worker that has just run out
 * of work and spins (worker.c): the scheduler did not preempt a spinning
 * worker for the woken caller, which waited out the spin phase (2-core VM:
 * 20 us after a short loop, 50-70 us after a triad sweep). So a trampoline
 * that wakes a sleeping caller stores a deadline, CALLER_YIELD_NS ahead, in
 * the pool's caller_yield_until, and until it passes idle workers yield in
 * their spin rounds instead of pausing (worker.c). The rounds still count
 * towards parking: a version that did not count them kept the workers awake
 * for as long as calls came less than 200 us apart (1.97 CPU-seconds per
 * second for fj_run of 40 us tasks 50 us apart, against 0.80 now and 1.02
 * with no yielding, and the same 4.4-5.0 us from the root's end to the
 * caller's return; found in review). The caller itself never touches the
 * pool once it sees DONE: the pool may be gone by then (the default pool at
 * exit). A first version counted woken callers until each took itself off,
 * which wrote to a pool that exit had freed, and kept workers from parking
 * for as long as a woken caller was kept off the CPU (found in review).
 *
 * Invariants
 *   I1  A call that returns 0 has queued exactly one record that will run
 *       exactly once; a call that returns an error queued nothing and left
 *       nothing allocated.
 *   I2  ECANCELED exactly when destroy has begun (the closing bit), read
 *       through inject.c's [J3] barrier from outside; a worker of the pool
 *       reads it relaxed, since its own deque is drained before it exits.
 * Orderings
 *   [G1] fj_run completion: the trampoline exchanges done to DONE after fn
 *        returns (seq-cst, so release); the caller's acquire load (or its
 *        CAS that fails on DONE) pairs with it, so fn's effects are visible
 *        when fj_run returns. Nothing after the exchange touches the word
 *        (it may be gone): the futex wake reads no memory (os.c).
 *   [G2] done is RUNNING, then SLEEPING (the caller's CAS, only from
 *        RUNNING), then DONE (the trampoline's exchange): both RMWs on one
 *        word, so the exchange returns SLEEPING exactly when the caller
 *        sleeps or is about to. Then the trampoline stores the deadline
 *        (relaxed) before it wakes the caller. The deadline orders nothing:
 *        idle workers read it relaxed as a hint, and a stale read costs one
 *        round's spin or yield. The pool is alive for the store: the
 *        trampoline runs on one of its workers, which destroy joins.
 */
#include <errno.h>
#include <stdbool.h>

#include "atomics.h"
#include "os.h"
#include "pool.h"
#include "task.h"
#include "worker.h"

/* fj_run's outside caller spins this many pauses before it sleeps: about
 * 19 us on the 2-core VM (a pause is 9.5 ns there), close to the 20 us that
 * sleeping and being woken add to its return there, so the spin never costs
 * more than the sleep would (competitive spinning). Measured and left:
 * spinning 60 us takes that 20 us off tasks of 20-60 us when a CPU is free
 * (a one-worker pool on 2 CPUs), but takes a CPU from a worker when the
 * pool has one per CPU; sleeping at once speeds loops of 100 us and more
 * there by 10-15% and slows 20 us ones by half (bench/handoff.c). */
#define RUN_SPINS 2000u

/* How long idle workers yield to a woken caller ([G2]): it got a CPU 4-14 us
 * after its wake-up on the 2-core VM once they yielded, so this covers a
 * slow wake-up. The yields replace spin rounds and count as them, so a
 * longer deadline never keeps a worker from parking. */
#define CALLER_YIELD_NS 200000u

/* Fill t: plain arg, or a copy of size bytes. */
static int fill(fji_task *t, fj_fn fn, const void *arg, size_t size, bool copy)
{
    if (copy)
        return fji_task_set_copy(t, fn, arg, size);
    t->fn = fn;
    t->arg = (void *)arg;
    t->group = NULL;
    t->flags = 0;
    return 0;
}

static int submit(fj_pool *p, fj_fn fn, const void *arg, size_t size, bool copy)
{
    fji_worker *w = fji_self();
    if (w && w->pool == p) {
        if (fji_load_relaxed_64(&p->sleep.state) & FJI_SLEEP_CLOSING)   /* I2 */
            return ECANCELED;
        /* Above a typed slot only nested work may go (worker.c I5). */
        fji_task *t = fji_worker_typed_top(w) ? NULL : fji_deque_reserve(&w->deque);
        if (t) {
            int e = fill(t, fn, arg, size, copy);
            if (e)
                return e;                       /* t untouched: still free */
            fji_deque_commit(&w->deque);
            fji_deque_publish_all(&w->deque);   /* CAS: sleep.c P1 */
            fji_sleep_notify(&p->sleep);
            return 0;
        }
    }
    return fji_inject_push(&p->inject, &p->sleep, fn, arg, size, copy);    /* [J1], [J3] */
}

int fj_go(fj_pool *pool, fj_fn fn, void *arg)
{
    if (!fn)
        return EINVAL;
    int e;
    fj_pool *p = fji_pool_resolve(pool, &e, "fj_go");
    if (!p)
        return e;
    return submit(p, fn, arg, 0, false);
}

int fj_go_copy(fj_pool *pool, fj_fn fn, const void *arg, size_t size)
{
    if (!fn || (size > 0 && !arg))
        return EINVAL;
    int e;
    fj_pool *p = fji_pool_resolve(pool, &e, "fj_go_copy");
    if (!p)
        return e;
    return submit(p, fn, arg, size, true);
}

enum { RUNNING, SLEEPING, DONE };               /* run_ctx.done ([G2]) */

struct run_ctx {
    fj_fn fn;
    void *arg;
    uint32_t done;
};

static void run_trampoline(void *a)
{
    struct run_ctx *c = a;
    fji_worker *w = fji_self();
    /* Run fn as a task of its own, so the check that it synced its groups
     * (task.c I2) happens before the caller is released, not after. */
    fji_task_run_child(w, c->fn, c->arg);
    /* [G1] release, [G2]; seq_cst is the exchange atomics.h has */
    if (fji_fas_seq_cst_32(&c->done, DONE) == SLEEPING) {
        fji_store_relaxed_64(&w->pool->caller_yield_until,        /* [G2] */
                             fji_now_ns() + CALLER_YIELD_NS);
        fji_futex_wake(&c->done, 1);            /* c may be gone: os.c */
    }
}

int fj_run(fj_pool *pool, fj_fn fn, void *arg)
{
    if (!fn)
        return EINVAL;
    fji_worker *w = fji_self();
    if (w && (pool == NULL || pool == w->pool)) {
        fn(arg);                                /* a task of the same pool */
        return 0;
    }
    int e;
    fj_pool *p = fji_pool_resolve(pool, &e, "fj_run");
    if (!p)
        return e;
    struct run_ctx c = { fn, arg, RUNNING };
    e = submit(p, run_trampoline, &c, 0, false);
    if (e)
        return e;
    for (unsigned i = 0; i < RUN_SPINS; i++) {
        if (fji_load_acquire_32(&c.done) == DONE)       /* [G1] */
            return 0;
        fji_cpu_relax();
    }
    if (!fji_cas_seq_cst_32(&c.done, RUNNING, SLEEPING))   /* [G2] */
        return 0;                               /* it read DONE: [G1]'s acquire */
    while (fji_load_acquire_32(&c.done) != DONE)        /* [G1] */
        fji_futex_wait(&c.done, SLEEPING);
    return 0;                                   /* p may be gone: [G2] */
}
