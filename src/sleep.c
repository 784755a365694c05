/* sleep.c - when an idle worker stops searching, how it parks, who wakes it.
 *
 * Words
 *   busy       running a task.
 *   searching  no task; looking (own deque, injection queues, victims).
 *   parked     asleep on the pool's epoch futex.
 *   post       making work visible to other workers: a push to an injection
 *              queue, a publish of deque slots, a detached fj_go.
 * One 64-bit word, state, counts searching (bits 0-19), parked (bits 20-39)
 * and woken (bits 40-59) workers and holds the CLOSING bit (63); every
 * change is an RMW.
 *   woken      parked workers that a claimed wake-up is on its way to: a
 *              poster or searcher added one (and then bumps the epoch and
 *              calls futex-wake), and no K5 has taken it back since. A
 *              woken worker counts as a searcher that has not started yet,
 *              so nobody wakes another one for it; woken <= parked.
 *
 * Goals: no lost wake-up (work posted while every worker is parked wakes
 * one), no thundering herd (a post wakes at most one, none while someone
 * searches, and none for a parked worker already woken), a fast ramp-up
 * (a burst of posts wakes as many workers at once as it needs, up to the
 * parked ones), no CPU use when idle (parked workers
 * block in the kernel with no timeout), and nothing on the spawn fast path
 * (private deque slots are not posts: the owner runs them itself if nobody
 * asks).
 *
 * Invariants
 *   I1  No lost wake-up: if work is posted and every worker then is parked,
 *       one is woken. Proof below ([S1]).
 *   I2  A worker parks only after a full re-check that follows its parked
 *       announcement (K3), so a post either is seen by the re-check or sees
 *       the announcement.
 *   I3  A searcher that finds work and was the last searcher wakes one parked
 *       worker (Go's rule in resetspinning): a post that skipped waking
 *       because someone was searching is then covered by the new searcher.
 *   I4  Claimed wake-ups end, and never outnumber the parked workers.
 *       woken <= parked: a claim adds one only by a CAS that sees woken <
 *       parked, and every K5 takes one off while woken > 0 (whoever's K5:
 *       the wakee's, a K3 re-check that found work, a worker woken by
 *       wake_parked), so with FJ_WORKERS_MAX workers the 20 bits cannot
 *       overflow. The count ends: call a parked worker bound to return if
 *       it will pass K5 without another wake-up (the futex took it off the
 *       queue, its K3 found work, or its K0 read an epoch older than a
 *       claim whose futex-wake has returned); then woken <= bound + claims
 *       between their CAS and the return of their futex-wake. A claim adds
 *       one to both sides. Its futex-wake either takes some sleeper off the
 *       queue (bound, whoever it is: not necessarily a worker it counted)
 *       or finds nobody asleep, and then every worker whose K1 preceded its
 *       CAS is bound (K0 -> K1 -> CAS -> epoch += 1: K4's value check
 *       fails). A K5 takes one off each side; unclaimed wake-ups only add
 *       bound workers. So once every parked worker sleeps and no claimant
 *       is between CAS and futex-wake, woken is 0. A post or I3 that finds
 *       woken == parked > 0 skips its wake-up: by the bound some worker
 *       will pass K5 after its read, and is a searcher from then on that
 *       covers the post exactly as a running searcher would ([S1], [S5]).
 *
 * Protocols
 *   Post    P1 publish the work with a seq-cst RMW (CAS/exchange) - the
 *           caller's. P2 fji_fence_atomic_load [S1]. P3 read state: nobody
 *           searching and woken < parked: claim (below).
 *   Claim   CAS woken += 1 while nobody searches and woken < parked (re-read
 *           and re-decide on failure); on success epoch += 1, futex-wake
 *           one.
 *   Park    K0 e = epoch (acquire) [S2]. K1 state: searching -1, parked +1
 *           (RMW). K2 fji_fence_atomic_load [S1]. K3 re-check every queue and
 *           the caller's exit condition: found -> undo K1, return. K4 futex
 *           wait on epoch while it equals e. K5 undo K1 and, if woken > 0,
 *           take one from it (one CAS).
 *   Found   searching -1 (RMW); if it was the last searcher and woken <
 *           parked, claim (I3).
 *
 * Orderings
 *   [S1] P2 <-> K2, the store-buffering shape. Both follow an RMW, and the
 *        fences are seq-cst (free after a locked RMW on x86-64, where the RMW
 *        is the barrier). If P2 is first in the total order, K3 (after K2)
 *        sees P1's work. If K2 is first, P3 sees K1's parked count and
 *        wakes. Without them both sides could read stale values, and the
 *        work would sit in a queue while every worker sleeps.
 *        Asymmetric mode (os.c, fji_os_asym): the injection queue's P1 is a
 *        plain release store and P2 a compiler barrier; K2 adds
 *        fji_os_barrier() (membarrier), which makes every poster's P1 that
 *        precedes it visible to K3, and any P3 that follows it read K1. A
 *        park costs one more system call; every fj_go saves two locked RMWs.
 *        Both modes are checked: tests/model (ASYM=1) and the stress tests
 *        (run again with FORJA_MEMBARRIER=0).
 *   [S3] private work: a parking worker's K3 first asks every other worker
 *        for work, insisting (deque.c [D6]: it lowers the owner's limit,
 *        after winning splitreq or finding it set), after K2. An owner
 *        whose spawn reads that lowered limit pushes, publishes with a CAS
 *        and runs P2-P3; K2 and P2 are seq-cst fences on either side of that
 *        message (in asymmetric mode K2's membarrier orders the owner's
 *        side, as in [S1]), so P3 reads K1's parked count and wakes someone.
 *        If an answer already under way overwrites the parker's store
 *        (limit = end), that answer's P2 still follows K2 in the fences'
 *        order, since its store comes later in limit's modification order,
 *        so its P3 reads K1 just the same; and if the parker finds limit
 *        already lowered, the answer to come reads splitreq's or limit's
 *        state after the parker did, with the same effect. Without it a
 *        parked worker would never learn of work that sits in another
 *        worker's private slots (the owner publishes only on request), and
 *        a pool could run serially while workers sleep.
 *   [S2] K0's acquire load of epoch <-> the waker's RMW of epoch (release):
 *        if K0 already reads the incremented epoch, the wake happened before
 *        and K3 sees its cause; otherwise the futex wait returns at once
 *        (value changed) or is woken. There is no timed wait anywhere.
 *   [S4] a condition other than work (fji_sleep_wake_parked: a wait group's
 *        counter reaching 0, which in-task waiters re-check at K3): the
 *        waker makes it true with a seq-cst RMW, fences, then reads state
 *        and wakes every parked worker only if parked > 0. The [S1] shape
 *        with the waker as poster: a worker whose K1 the read missed has its
 *        K3 after the waker's RMW and sees the condition. It wakes whenever
 *        P3 would (and while others search too), so tests/model's proof of
 *        [S1] covers it. When nobody is parked this saves the epoch RMW and
 *        a futex system call per release (test_wg: a parked in-task waiter
 *        released from outside).
 *   [S5] woken (I4). A post that finds every parked worker already woken
 *        (woken == parked > 0, nobody searching) skips: by I4's bound some
 *        worker passes K5 after its P3 in state's modification order (not
 *        necessarily the one whose claim it saw), so it is the [S1] shape
 *        with that worker as the searcher: if it parks again, its K1-K3
 *        come after that K5 and see the post's P1; if it finds work, I3
 *        wakes the next. (woken == parked == 0 is plain [S1].) The claim's
 *        CAS is seq-cst; a failed CAS only re-reads. wake_all, wake_parked
 *        and close wake without a claim; the workers they wake take one off
 *        woken at K5 like any other, which at worst allows one more wake-up
 *        than needed per claim in flight.
 *        Why a count. With no claim at all (before 426e4a1), a post during
 *        a wake-up's latency still read parked > 0 and woke again: an
 *        outside thread pushing a million fj_go made a futex system call
 *        per push while its wakee was on the way (about 200 per run at 1
 *        worker, once 27000), and on 2 CPUs it kept waking the second
 *        worker onto the producer's CPU. With one claim in flight at a time
 *        (a WAKING bit, 426e4a1), a burst of fj_go from a busy worker woke
 *        one worker and the rest came one by one through I3, a wake-up's
 *        latency apart: skynet with fj_go at 16 workers took 6.9 ms where
 *        it had taken 4.4 (device, 11 interleaved runs each; fork-join, whose
 *        ramp-up was I3's chain all along, did not move). With the count, a
 *        burst makes one futex-wake per parked worker, back to back, until
 *        the first wakee starts searching, as before the claim, and still
 *        none for a worker already woken. rayon-core counts alike (its
 *        waker takes the woken thread out of the sleeping count), but wakes
 *        a chosen thread and takes exactly that one off; forja's futex
 *        wakes any sleeper, so any K5 takes one off.
 *        Measured on 2 CPUs (interleaved medians of 21 against the bit):
 *        spawn 10^6 at 1 and 2 workers, skynet with fj_go, nqueens and uts
 *        within 2%; futex calls per spawn run 16-26 at 1 and 2 workers, as
 *        with the bit. At 16 workers the count is not measured yet.
 *        One dependency: a claimant preempted between its CAS and its
 *        futex-wake delays the posts that skip for it until it runs again
 *        (latency, not loss: it will wake; Go's wakep has the same window).
 *        A claimant with a low priority (SCHED_IDLE, a throttled cgroup)
 *        can stretch that.
 * Wake-ups that find nothing cost a search, never correctness; the searcher
 * count and woken keep them from cascading.
 * Rejected: waking on every post (herds, and a futex call per fj_go); one
 * condition variable under a mutex (a lock on the post path); timed waits
 * (they hide lost wake-ups, as in Lace).
 * Checked by: tests/test_idle.c (CPU while idle; I4: claimed wake-ups never
 * outnumber returns from park - without the woken test 2900-309000
 * against 20 in its 20 rounds; a burst of fj_go from a worker claims
 * wake-ups for parked workers in parallel - 0 with one claim at a time),
 * tests/stress_sleep.c
 * (post to a fully parked pool, thousands of times, also under TSan), and the
 * model in tests/model/.
 */
#include "sleep.h"

#include <limits.h>

#include "atomics.h"
#include "os.h"
#include "spread.h"
#include "stats.h"

#define SEARCH_ONE  1ull
#define PARK_ONE    (1ull << 20)
#define SEARCHING(s) ((s) & 0xfffffull)
#define WOKEN_ONE   (1ull << 40)
#define PARKED(s)    (((s) >> 20) & 0xfffffull)
#define WOKEN(s)     (((s) >> 40) & 0xfffffull)

_Static_assert((FJI_SLEEP_CLOSING & (0xfffffull << 40)) == 0, "state bits");
_Static_assert(FJ_WORKERS_MAX < 0xfffffu, "searching, parked, woken: 20 bits each");

void fji_sleep_init(fji_sleep *s)
{
    s->state = 0;
    s->epoch = 0;
    s->claims = 0;
    s->returns = 0;
    s->spread = false;
}

bool fji_sleep_quiet(const fji_sleep *s, unsigned n)
{
    /* Acquire: with n parked, each worker's K1 (an RMW) is in the value
     * read, and its returns add, sequenced before that K1, is visible to the
     * caller's later loads. A claims add may still be missing (it follows
     * its CAS), which only lowers claims. */
    uint64_t st = fji_load_acquire_64(&s->state);
    return PARKED(st) == n && SEARCHING(st) == 0 && WOKEN(st) == 0;
}

static void wake(fji_sleep *s, int n)
{
    fji_faa_seq_cst_32(&s->epoch, 1);                   /* [S2] */
    fji_futex_wake(&s->epoch, n);
}

/* Is a wake-up due by state st: nobody searching, and a parked worker that
 * no claimed wake-up is on its way to (I4)? */
static inline bool wake_due(uint64_t st)
{
    return SEARCHING(st) == 0 && PARKED(st) > WOKEN(st);
}

/* Claim the wake-up that st (the caller's read of state: P3, or the value
 * its RMW left) shows is due, then make it. A failed CAS re-reads and
 * re-decides. */
static void claim_wake(fji_sleep *s, uint64_t st)
{
    while (!fji_cas_seq_cst_64(&s->state, st, st + WOKEN_ONE)) {  /* I4; read by P3 [S5] */
        st = fji_load_relaxed_64(&s->state);            /* re-decided by the CAS */
        if (!wake_due(st))
            return;                                     /* covered: [S1], [S5] */
    }
    fji_add_relaxed_64(&s->claims, 1);                  /* a count for tests */
    wake(s, 1);
    if (s->spread)
        fji_spread_after_wake();                        /* the wakee may be queued here */
}

void fji_sleep_notify(fji_sleep *s)
{
    if (fji_os_asym)
        fji_compiler_barrier();                         /* P2 [S1]: K2 is the barrier */
    else
        fji_fence_atomic_load();                        /* P2 [S1] */
    uint64_t st = fji_load_relaxed_64(&s->state);       /* P3, ordered by P2 */
    if (wake_due(st))
        claim_wake(s, st);
}

void fji_sleep_search_begin(fji_sleep *s)
{
    fji_faa_seq_cst_64(&s->state, SEARCH_ONE);         /* read by P3 [S1] */
}

void fji_sleep_search_end(fji_sleep *s)
{
    /* I3: a post whose P3 saw this searcher and skipped its wake-up read
     * state before this RMW, so its work is visible to the worker woken here. */
    uint64_t now = fji_faa_seq_cst_64(&s->state, -SEARCH_ONE) - SEARCH_ONE;  /* read by P3 [S1] */
    if (wake_due(now))                                  /* I3: it was the last searcher */
        claim_wake(s, now);
}

bool fji_sleep_park(fji_sleep *s, bool (*recheck)(void *), void *ctx, uint64_t *sleeps)
{
    uint32_t e = fji_load_acquire_32(&s->epoch);        /* K0 [S2] */
    fji_faa_seq_cst_64(&s->state, PARK_ONE - SEARCH_ONE);       /* K1 */
    fji_fence_atomic_load();                            /* K2 [S1] */
    if (fji_os_asym)
        fji_os_barrier();                               /* K2 [S1]: for every poster */
    bool slept = false;
    if (!recheck(ctx)) {                                /* K3 */
        fji_stat_add(sleeps, 1);                        /* before sleeping: test_idle */
        fji_futex_wait(&s->epoch, e);                   /* K4 [S2] */
        slept = true;
    }
    uint64_t old, nw;
    do {
        old = fji_load_relaxed_64(&s->state);           /* validated by the CAS */
        nw = old + SEARCH_ONE - PARK_ONE;               /* K5 */
        if (WOKEN(old) > 0)
            nw -= WOKEN_ONE;                            /* I4: ends a wake-up */
    } while (!fji_cas_seq_cst_64(&s->state, old, nw));  /* read by P3 [S1], [S5] */
    fji_add_relaxed_64(&s->returns, 1);                 /* a count for tests */
    return slept;
}

void fji_sleep_wake_all(fji_sleep *s)
{
    wake(s, INT_MAX);
}

void fji_sleep_wake_parked(fji_sleep *s)
{
    /* The caller's RMW and seq-cst fence come first ([S4]). */
    if (PARKED(fji_load_relaxed_64(&s->state)) > 0)    /* [S4]: reads K1 */
        wake(s, INT_MAX);
}

void fji_sleep_close(fji_sleep *s)
{
    uint64_t old, nw;
    do {
        old = fji_load_relaxed_64(&s->state);           /* validated by the CAS */
        nw = old | FJI_SLEEP_CLOSING;
    } while (!fji_cas_seq_cst_64(&s->state, old, nw));  /* inject.c [J3] */
    fji_fence_atomic_load();                            /* [J3]: before busy loads */
    if (fji_os_asym)
        fji_os_barrier();                               /* [J3]: for every producer */
    wake(s, INT_MAX);
}
