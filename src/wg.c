/* wg.c - wait groups (fj_wg_*): Go's sync.WaitGroup on a futex.
 *
 * Layout (in fj_wg's 64 bytes): state, one 64-bit word: the counter (signed,
 * high 32 bits), the waiters (low 30 bits), SLEEPERS (bit 30: an outside
 * waiter registered, so the release must futex-wake) and RELEASING (bit 31);
 * and pool, the pool of the in-task waiters. The low half is the futex word
 * of outside waiters.
 *
 * The Go rule: once fj_wg_wait returns, no forja code touches the wait group
 * (it may live on the waiter's stack). So the waker's last write must be the
 * one that lets the last registered waiter return:
 *   release  the fj_wg_add that takes the counter to 0 sees waiters > 0 in
 *            its RMW's result; if an in-task waiter named its pool, it sets
 *            RELEASING and wakes that pool's parked workers, if any (sleep.c
 *            [S4]); then it stores state = 0 [W1] and, if SLEEPERS was in its
 *            RMW's result, futex-wakes the outside waiters, which reads no
 *            memory (os.c). A release with only in-task waiters, none of them
 *            parked, makes no system call.
 *   outside  a waiter spins briefly on the counter; then registers (CAS
 *            waiters + 1 and SLEEPERS while the counter is non-zero) and
 *            futex-waits until state is 0. An unregistered waiter may return
 *            as soon as the counter is 0: the registered ones keep the wait
 *            group alive.
 *   inside   a task cannot block its worker: it registers the same way, then
 *            names its pool in pool (first in-task waiter's pool wins), and helps
 *            (worker.c help_until): it runs other tasks and parks like an idle
 *            worker, "counter is 0" being part of the park re-check; the
 *            release wakes every parked worker of that pool. It returns only
 *            when state is 0, so it cannot return - and let its pool be
 *            destroyed - while the releaser still wakes that pool; it clears
 *            pool on the way out. A waiter from a second pool cannot be woken
 *            that way: it helps its pool and yields instead of parking.
 *
 * Invariants
 *   I1  The counter never goes below zero or above INT32_MAX: either aborts.
 *   I2  Registration only while the counter is non-zero, so after a release
 *       no waiter is registered until the next wait of the next round, and
 *       the releasing RMW's result holds every registration of its round
 *       (SLEEPERS included).
 *   I3  A registered waiter returns only after the releaser's last write.
 * Orderings
 *   [W1] the releaser's release store of state = 0 <-> a waiter's acquire
 *        load that sees 0: every fj_wg_done before the release happens-before
 *        the wait returns: the dones are RMWs on state, and the releaser's own
 *        RMW read the last of them before its release store.
 *   [W2] store-buffering shape: the in-task waiter CASes pool, fences, then
 *        (in the park re-check, after sleep.c's fence) reads the counter; the
 *        releaser's RMW takes the counter to 0, fences, then reads pool.
 *        Either the waiter sees 0 and does not park, or the releaser sees
 *        pool and wakes it. The same fence orders the releaser's read of the
 *        pool's parked count after its RMW (sleep.c [S4]): a waiter whose
 *        park it did not count re-checks after that RMW.
 * Checked by: tests/test_wg.c, tests/stress_pool.c (TSan).
 */
#include <limits.h>
#include <sched.h>
#include <stdint.h>

#include "atomics.h"
#include "os.h"
#include "pool.h"
#include "sleep.h"
#include "worker.h"

typedef struct fji_wg {
    uint64_t state;
    fj_pool *pool;
} fji_wg;

_Static_assert(sizeof(fji_wg) <= sizeof(fj_wg), "fj_wg too small");

#define RELEASING  0x80000000u
#define SLEEPERS   0x40000000u
#define WAITERS(s) ((uint32_t)(s) & ~(RELEASING | SLEEPERS))
#define COUNTER(s) ((int32_t)(uint32_t)((s) >> 32))
#define WG_SPINS   1000u

static inline fji_wg *W(fj_wg *wg) { return (fji_wg *)(void *)wg; }

static uint32_t *futex_word(fji_wg *g)
{
    /* the low half of state */
    uint32_t *w = (uint32_t *)(void *)&g->state;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return w + 1;
#else
    return w;
#endif
}

__attribute__((noinline)) static void release(fji_wg *g, uint64_t seen)
{
    fji_fence_atomic_load();                    /* [W2]; and sleep.c [S4] */
    fj_pool *p = fji_load_relaxed_ptr((void *const *)&g->pool);
    if (p) {
        fji_store_relaxed_64(&g->state, seen | RELEASING);  /* only writer now (I2) */
        fji_sleep_wake_parked(&p->sleep);                   /* sleep.c [S4] */
    }
    fji_store_release_64(&g->state, 0);                     /* [W1] last write */
    if (seen & SLEEPERS)                                    /* I2 */
        fji_futex_wake(futex_word(g), INT_MAX);             /* reads nothing */
}

void fj_wg_add(fj_wg *wg, long delta)
{
    if (delta == 0)
        return;
    if (delta > INT32_MAX || delta < -(long)INT32_MAX)
        fji_die("fj_wg_add: delta out of range (|delta| > INT32_MAX)");
    fji_wg *g = W(wg);
    /* [W1]: each add/done is an RMW on state, read by the releaser's RMW;
     * [W2]: the releaser's fence follows this RMW (release()). */
    uint64_t old = fji_faa_seq_cst_64(&g->state, (uint64_t)(int64_t)delta << 32);
    int64_t cnt = (int64_t)COUNTER(old) + delta;
    if (cnt < 0)
        fji_die("fj_wg_add: wait group counter below zero "
                "(more fj_wg_done than fj_wg_add)");
    if (cnt > INT32_MAX)
        fji_die("fj_wg_add: wait group counter above INT32_MAX");
    if (cnt == 0 && WAITERS(old) > 0)
        release(g, old + ((uint64_t)(int64_t)delta << 32));
}

void fj_wg_done(fj_wg *wg)
{
    fj_wg_add(wg, -1);
}

/* Register as a waiter (flags: SLEEPERS for one that will futex-wait);
 * false: the counter is already zero. */
static bool enroll(fji_wg *g, uint64_t flags)
{
    for (;;) {
        uint64_t s = fji_load_acquire_64(&g->state);        /* [W1] */
        if (COUNTER(s) == 0)
            return false;
        if (WAITERS(s) == WAITERS(~(uint64_t)0))
            fji_die("fj_wg_wait: more than 2^30 - 1 waiters on one wait group");
        if (fji_cas_seq_cst_64(&g->state, s, (s + 1) | flags))  /* [W2] */
            return true;
    }
}

static bool counter_zero(fji_wg *g)
{
    return COUNTER(fji_load_acquire_64(&g->state)) == 0;   /* [W1] */
}

static bool counter_zero_cb(void *g)
{
    return counter_zero(g);
}

static void wait_in_task(fji_worker *w, fji_wg *g)
{
    if (!enroll(g, 0))
        return;
    fj_pool *p = w->pool;
    if (fji_cas_seq_cst_ptr((void **)&g->pool, NULL, p)     /* [W2] */
        || fji_load_relaxed_ptr((void *const *)&g->pool) == p) {
        fji_fence_atomic_load();                            /* [W2] */
        fji_worker_help_until(w, counter_zero_cb, g);
    } else {
        /* Another pool's waiter owns the wake-up: help, never park. */
        while (!counter_zero(g))
            if (!fji_worker_run_one(w))
                sched_yield();
    }
    while (fji_load_acquire_64(&g->state) != 0)             /* I3, [W1] */
        fji_cpu_relax();
    /* The releaser is done with pool (it read it before [W1]); clear it for
     * the next round. Every waiter of this round may store NULL. */
    fji_store_relaxed_ptr((void **)&g->pool, NULL);
}

void fj_wg_wait(fj_wg *wg)
{
    fji_wg *g = W(wg);
    if (counter_zero(g))
        return;
    fji_worker *w = fji_self();
    if (w) {
        wait_in_task(w, g);
        return;
    }
    for (unsigned i = 0; i < WG_SPINS; i++) {
        if (counter_zero(g))
            return;
        fji_cpu_relax();
    }
    if (!enroll(g, SLEEPERS))
        return;
    for (;;) {
        uint64_t s = fji_load_acquire_64(&g->state);        /* [W1] */
        if (s == 0)
            return;
        fji_futex_wait(futex_word(g), (uint32_t)s);
    }
}
