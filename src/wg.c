/* wg.c - wait groups (fj_wg_*): Go's sync.WaitGroup on a futex, its counter
 * split so that workers finishing tasks of one wait group side by side do not
 * all write one cache line.
 *
 * Why split: the spawn benchmark's tasks each end with fj_wg_done on one wait
 * group. With one counter, two workers on two CPUs took turns owning its line
 * and spent 52-94 ms of CPU per million dones, against 17-24 ms without them
 * (bench/placement.c); split, spawn at 2 workers went from 29-30 to 21-22 ms
 * per million (interleaved medians). The contract lets fj_wg's size differ,
 * so it can hold lines for that.
 *
 * Layout (fji_wg, in fj_wg): a central line and FJI_WG_SHARDS shard lines.
 *   state   one 64-bit word, the central part: the unclaimed count U (bits
 *           33-63, 0..INT32_MAX), COLLECTING (bit 32: an fj_wg_add(-n)
 *           collects, I6), and in the low half, the futex word of outside
 *           waiters: the waiters (bits 0-21), the holders H (bits 22-29),
 *           SLEEPERS (bit 30: an outside waiter registered, so the release
 *           must futex-wake) and RELEASING (bit 31).
 *   pool    the pool of the in-task waiters.
 *   shard   credits claimed by workers: dones they may take without touching
 *           state. Worker i uses shard i mod FJI_WG_SHARDS (any shard works
 *           for any thread; the mapping only spreads the lines).
 *
 * The count is U + the credits in shards + credits in flight (claimed from
 * U, not yet added to a shard). A done takes one unit from anywhere: a
 * worker from its own shard first; then from U, claiming WG_CLAIM units at
 * once into its shard when U holds more than that (one central RMW per
 * WG_CLAIM dones); then one credit from another shard. Only positive adds,
 * claims and dones that find no credit in their shard write state.
 *
 * Zero detection: H counts holder tokens, one per non-empty shard plus one
 * per claim in flight. A claim takes its units from U and a token in one
 * CAS on state, then adds the credits to its shard; if the shard was not
 * empty, it already had a token and the claim gives its own back. Whoever
 * takes a shard from 1 to 0 gives that shard's token back. So U + H is zero
 * exactly when the count is, and the RMW that makes it zero is the one that
 * releases the waiters, as before.
 *
 * The Go rule: once fj_wg_wait returns, no forja code touches the wait group
 * (it may live on the waiter's stack). So the waker's last write must be the
 * one that lets the last registered waiter return:
 *   release  the RMW on state that leaves U = H = 0 sees waiters > 0 in its
 *            result; if an in-task waiter named its pool, it sets RELEASING
 *            and wakes that pool's parked workers, if any (sleep.c [S4]);
 *            then it stores state = 0 [W1] and, if SLEEPERS was in its
 *            result, futex-wakes the outside waiters, which reads no memory
 *            (os.c). A release with only in-task waiters, none of them
 *            parked, makes no system call.
 *   outside  a waiter spins briefly on U and H; then registers (CAS waiters
 *            + 1 and SLEEPERS while U + H is non-zero) and futex-waits until
 *            state is 0 (a holder token moving wakes nothing: the futex word
 *            is only re-compared on entry). An unregistered waiter may return
 *            as soon as U + H is 0: the registered ones keep the wait group
 *            alive.
 *   inside   a task cannot block its worker: it registers the same way, then
 *            names its pool in pool (first in-task waiter's pool wins), and helps
 *            (worker.c help_until): it runs other tasks and parks like an idle
 *            worker, "U + H is 0" being part of the park re-check; the
 *            release wakes every parked worker of that pool. It returns only
 *            when state is 0, so it cannot return - and let its pool be
 *            destroyed - while the releaser still wakes that pool; it clears
 *            pool on the way out. A waiter from a second pool cannot be woken
 *            that way: it helps its pool and yields instead of parking.
 *
 * Invariants
 *   I1  The count never goes below zero (aborts) and U never above INT32_MAX
 *       (aborts; claimed credits, at most 63 per claim, are not in U).
 *   I2  Registration only while U + H is non-zero, so after a release no
 *       waiter is registered until the next wait of the next round, and the
 *       releasing RMW's result holds every registration of its round
 *       (SLEEPERS included).
 *   I3  A registered waiter returns only after the releaser's last write.
 *   I4  A shard's credits only change by RMW and never go below zero; the
 *       CAS that takes a shard from 1 to 0 owns the shard's token and gives
 *       it back (H - 1) after it. A shard with credits has a token: the
 *       claim that found it empty kept its own.
 *   I5  A done finds a unit unless the count is zero: U > 0, or a shard has
 *       a credit, or a claim is in flight (H > 0 counts it); in the last
 *       case it waits for the claimer's next RMW. U = H = 0 with a done to
 *       make is a counter below zero.
 *   I6  An fj_wg_add(-n), n > 1, that U cannot cover at once collects: one
 *       CAS takes a token (no units) and sets COLLECTING, then it takes
 *       units from U and the shards, and one RMW drops both, last. So no
 *       release comes before all n are taken. One collector at a time: an
 *       fj_wg_add(-n) that finds COLLECTING and U < n holds nothing and
 *       waits for that RMW (it may still take n from U at once). So U = 0
 *       with H = 1 (its own: no shard with credits, no claim in flight, no
 *       other collector) means none is left: below zero, aborted before
 *       any release. (Two collectors would each count the other's token and
 *       wait for units neither has, forever.) One fj_wg_done too many, or
 *       an fj_wg_add(-n) that waited while a collector took the count to
 *       zero, can still come after a release, as with any counter: the wait
 *       group may be in its next round by then.
 * Orderings
 *   [W1] the releaser's release store of state = 0 <-> a waiter's acquire
 *        load that sees 0 (or, unregistered, sees U = H = 0): every
 *        fj_wg_done before the release happens-before the wait returns. A
 *        done is an RMW on state, or a CAS on a shard; the shard's CASes
 *        are one release sequence, read by the acq_rel CAS that empties it,
 *        whose H - 1 on state comes before the releaser's RMW in state's
 *        modification order.
 *   [W2] store-buffering shape: the in-task waiter CASes pool, fences, then
 *        (in the park re-check, after sleep.c's fence) reads U and H; the
 *        releaser's RMW takes them to 0, fences, then reads pool. Either the
 *        waiter sees 0 and does not park, or the releaser sees pool and wakes
 *        it. The same fence orders the releaser's read of the pool's parked
 *        count after its RMW (sleep.c [S4]): a waiter whose park it did not
 *        count re-checks after that RMW.
 * Checked by: tests/test_wg.c, tests/stress_pool.c (TSan),
 * tests/model/wg.pml (claims, shards and tokens: no early or lost release,
 * no retry forever under fairness, I6's abort before any release, two
 * over-takers at once), tests/test_misuse.c (two over-takers, raced).
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
    struct { _Alignas(64) uint64_t credits; } shard[FJI_WG_SHARDS];
} fji_wg;

_Static_assert(sizeof(fji_wg) <= sizeof(fj_wg), "fj_wg too small");
_Static_assert((FJI_WG_SHARDS & (FJI_WG_SHARDS - 1)) == 0, "shards: a power of two");

#define COLLECTING  ((uint64_t)1 << 32)   /* below U: reading U costs nothing more */
#define RELEASING   0x80000000u
#define SLEEPERS    0x40000000u
#define HOLDER_ONE  ((uint64_t)1 << 22)
#define HOLDERS_MAX 0xffu       /* H's field; a claim that would pass it takes one unit */
#define HOLDERS(s)  (((uint32_t)(s) >> 22) & HOLDERS_MAX)
#define WAITERS(s)  ((uint32_t)(s) & 0x3fffffu)
#define COUNTER(s)  ((uint32_t)((s) >> 33))
#define UNIT        ((uint64_t)1 << 33)
/* U = H = 0: the count is zero (I4, I5); COLLECTING comes with a token */
#define EMPTY(s)    (((s) & (~(uint64_t)0 << 32 | (uint64_t)HOLDERS_MAX << 22)) == 0)
#define WG_SPINS    1000u
#define WG_CLAIM    64u         /* credits a worker claims from U at once */

static inline fji_wg *W(fj_wg *wg) { return (fji_wg *)(void *)wg; }

/* The credits of worker w's shard (any shard works for any thread: the
 * mapping only spreads the lines). */
static inline uint64_t *shard_of(fji_wg *g, const fji_worker *w)
{
    return &g->shard[w->id & (FJI_WG_SHARDS - 1)].credits;
}

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

/* After an RMW on state that lowered U or H and left now: release if that
 * made the count zero with waiters registered. */
static inline void settle(fji_wg *g, uint64_t now)
{
    if (EMPTY(now) && WAITERS(now) > 0)
        release(g, now);
}

/* Give a holder token back (I4), with COLLECTING if bits names it (I6). */
static void drop_token(fji_wg *g, uint64_t bits)
{
    settle(g, fji_faa_seq_cst_64(&g->state, -bits) - bits);
}

/* Take one credit from a shard; false: it had none. [W1]: the CAS is the
 * shard's release sequence; the one that empties it gives the token back. */
static bool take_credit(fji_wg *g, uint64_t *c)
{
    /* The relaxed loads only guess x; the CAS checks it and is the access
     * that orders ([W1]). */
    for (uint64_t x = fji_load_relaxed_64(c); x > 0; x = fji_load_relaxed_64(c)) {
        if (fji_cas_seq_cst_64(c, x, x - 1)) {
            if (x == 1)
                drop_token(g, HOLDER_ONE);
            return true;
        }
    }
    return false;
}

__attribute__((noreturn)) static void below_zero(void)
{
    fji_die("fj_wg_add: wait group counter below zero "
            "(more fj_wg_done than fj_wg_add)");
}

/* Wait for another thread's next RMW on state: spin a little, then yield
 * (with two CPUs, the thread waited for may need this one). */
static void backoff(unsigned *waits)
{
    if (++*waits < 64)
        fji_cpu_relax();
    else
        sched_yield();
}

/* Take n units off the count (n dones). own: the calling worker's shard, or
 * NULL outside a pool. A single done may claim (see the header). Several at
 * once (fj_wg_add(-n)) first take all n from U if it holds them; otherwise
 * they collect (I6): with a token of their own, so that nobody is released
 * before all n are taken, and with COLLECTING, so that an add that would take
 * the count below zero sees that nothing is left and aborts before it
 * releases anyone, as one RMW on an unsplit counter did. */
static void take(fji_wg *g, uint64_t n, uint64_t *own)
{
    bool held = false;
    unsigned waits = 0;
    while (n > 1 && !held) {
        uint64_t s = fji_load_relaxed_64(&g->state);   /* as below */
        if (COUNTER(s) >= n) {
            if (fji_cas_seq_cst_64(&g->state, s, s - n * UNIT)) {  /* [W1] */
                settle(g, s - n * UNIT);
                return;
            }
        } else if (HOLDERS(s) == 0) {
            below_zero();                       /* the count is U < n */
        } else if ((s & COLLECTING) || HOLDERS(s) == HOLDERS_MAX) {
            backoff(&waits);                    /* the collector, or claims in flight, end */
        } else {
            held = fji_cas_seq_cst_64(&g->state, s, s + HOLDER_ONE + COLLECTING);  /* I6 */
        }
    }
    waits = 0;
    while (n > 0) {
        if (own && take_credit(g, own)) {
            n--;
            continue;
        }
        /* Checked by the CAS, but for "below zero": a value read after the
         * adds that made this unit (they happen-before this take) shows
         * U + H > 0 while the unit is outstanding (I5). */
        uint64_t s = fji_load_relaxed_64(&g->state);
        uint64_t u = COUNTER(s);
        if (u > 0) {
            if (!held && own && u > WG_CLAIM && HOLDERS(s) < HOLDERS_MAX) {
                /* claim (n is 1): WG_CLAIM units and a token, one for this done */
                if (!fji_cas_seq_cst_64(&g->state, s, s - WG_CLAIM * UNIT + HOLDER_ONE))
                    continue;
                /* [W1]: an RMW, so it continues the shard's release
                 * sequence that take_credit's CASes read */
                if (fji_faa_seq_cst_64(own, WG_CLAIM - 1) != 0)
                    drop_token(g, HOLDER_ONE);  /* the shard had one (I4) */
                return;
            }
            uint64_t k = u < n ? u : n;
            if (!fji_cas_seq_cst_64(&g->state, s, s - k * UNIT))   /* [W1] */
                continue;
            n -= k;
            settle(g, s - k * UNIT);            /* nothing while held */
            continue;
        }
        if (HOLDERS(s) == (held ? 1u : 0u))
            below_zero();                       /* I5, I6: no unit anywhere */
        bool found = false;
        for (unsigned i = 0; i < FJI_WG_SHARDS && !found; i++)
            if (&g->shard[i].credits != own)
                found = take_credit(g, &g->shard[i].credits);
        if (found) {
            n--;
            waits = 0;
        } else {
            backoff(&waits);                    /* a claim in flight (I5) */
        }
    }
    if (held)
        drop_token(g, HOLDER_ONE | COLLECTING); /* may release: the last write */
}

void fj_wg_add(fj_wg *wg, long delta)
{
    if (delta == 0)
        return;
    if (delta > INT32_MAX || delta < -(long)INT32_MAX)
        fji_die("fj_wg_add: delta out of range (|delta| > INT32_MAX)");
    fji_wg *g = W(wg);
    if (delta < 0) {
        fji_worker *w = fji_self();
        take(g, (uint64_t)-delta, w ? shard_of(g, w) : NULL);
        return;
    }
    /* [W2]: a releaser's fence follows its own RMW (release()). */
    uint64_t old = fji_faa_seq_cst_64(&g->state, (uint64_t)delta * UNIT);
    if ((uint64_t)COUNTER(old) + (uint64_t)delta > INT32_MAX)  /* U's 31 bits wrapped */
        fji_die("fj_wg_add: wait group counter above INT32_MAX");
}

/* One unit off U when it holds one and a claim is not due; false: take()
 * decides. The path of small wait groups (U <= WG_CLAIM), and of outside
 * threads: one load and one CAS, as the single RMW it replaces. */
static inline bool take_one_central(fji_wg *g, bool may_claim)
{
    uint64_t s = fji_load_relaxed_64(&g->state);       /* checked by the CAS */
    uint64_t u = COUNTER(s);
    if (u == 0 || (may_claim && u > WG_CLAIM))
        return false;
    if (!fji_cas_seq_cst_64(&g->state, s, s - UNIT))        /* [W1] */
        return false;
    settle(g, s - UNIT);
    return true;
}

void fj_wg_done(fj_wg *wg)
{
    fji_wg *g = W(wg);
    fji_worker *w = fji_self();
    if (!w) {
        if (!take_one_central(g, false))
            take(g, 1, NULL);
        return;
    }
    /* the fast path: a credit this worker claimed earlier */
    uint64_t *c = shard_of(g, w);
    uint64_t x = fji_load_relaxed_64(c);               /* checked by the CAS */
    if (x > 1 && fji_cas_seq_cst_64(c, x, x - 1))          /* [W1] */
        return;
    if (x == 0 && take_one_central(g, true))
        return;
    take(g, 1, c);
}

/* Register as a waiter (flags: SLEEPERS for one that will futex-wait);
 * false: the count is already zero. */
static bool enroll(fji_wg *g, uint64_t flags)
{
    for (;;) {
        uint64_t s = fji_load_acquire_64(&g->state);        /* [W1] */
        if (EMPTY(s))
            return false;
        if (WAITERS(s) == WAITERS(~(uint64_t)0))
            fji_die("fj_wg_wait: more than 2^22 - 1 waiters on one wait group");
        if (fji_cas_seq_cst_64(&g->state, s, (s + 1) | flags))  /* [W2] */
            return true;
    }
}

static bool counter_zero(fji_wg *g)
{
    return EMPTY(fji_load_acquire_64(&g->state));          /* [W1] */
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
