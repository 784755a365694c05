/* sleep.c - when an idle worker stops searching, how it parks, who wakes it.
 *
 * Words
 *   busy       running a task.
 *   searching  no task; looking (own deque, injection queues, victims).
 *   parked     asleep on the pool's epoch futex.
 *   post       making work visible to other workers: a push to an injection
 *              queue, a publish of deque slots, a detached fj_go.
 * One 64-bit word, state, counts searching (bits 0-19) and parked (bits
 * 20-39) workers and holds the WAKING bit (62) and the CLOSING bit (63);
 * every change is an RMW.
 *   waking     a wake-up is in flight: a poster or searcher set WAKING (and
 *              then bumps the epoch and calls futex-wake); no worker has
 *              passed K5 since. The wakee counts as a searcher that has not
 *              started yet, so nobody wakes another one for it.
 *
 * Goals: no lost wake-up (work posted while every worker is parked wakes
 * one), no thundering herd (a post wakes at most one, and none while someone
 * searches or a wake-up is in flight), no CPU use when idle (parked workers
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
 *   I4  A claimed wake-up (WAKING) ends: WAKING is set only by a CAS that
 *       sees it clear and parked > 0, and every worker counted as parked
 *       reaches K5, which clears it, once the epoch has moved (the claim's
 *       wake moves it). Any K5 clears it - the wakee's, a K3 re-check that
 *       found work, a worker woken by wake_parked - so two claimed wake-ups
 *       can overlap briefly, never one per post. A post or I3 that finds
 *       WAKING set skips its wake-up: the worker that passes K5 next is a
 *       searcher from then on and covers it exactly as a running searcher
 *       would ([S1], [S5]).
 *
 * Protocols
 *   Post    P1 publish the work with a seq-cst RMW (CAS/exchange) - the
 *           caller's. P2 fji_fence_atomic_load [S1]. P3 read state: nobody
 *           searching, parked > 0 and WAKING clear: claim (below).
 *   Claim   CAS state -> state | WAKING while nobody searches, parked > 0 and
 *           WAKING is clear (re-read and re-decide on failure); on success
 *           epoch += 1, futex-wake one.
 *   Park    K0 e = epoch (acquire) [S2]. K1 state: searching -1, parked +1
 *           (RMW). K2 fji_fence_atomic_load [S1]. K3 re-check every queue and
 *           the caller's exit condition: found -> undo K1, return. K4 futex
 *           wait on epoch while it equals e. K5 undo K1 and clear WAKING
 *           (one CAS).
 *   Found   searching -1 (RMW); if it was the last searcher, parked > 0 and
 *           WAKING clear, claim (I3).
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
 *   [S5] WAKING (I4). Before it, a post during a wake-up's latency (the
 *        wakee not yet back at K5) still read parked > 0 and searching 0 and
 *        woke again: an outside thread pushing a million fj_go made a futex
 *        system call per push for as long as the woken worker took to run
 *        (about 200 futex calls per run at 1 worker, once 27000), and on 2
 *        CPUs it woke the second worker onto its own CPU, where it took time
 *        from the producer. A post that reads WAKING set skips: its P3 reads
 *        a value older, in state's modification order, than the K5 RMW that
 *        will clear the bit, so it is the [S1] shape with that worker as the
 *        searcher: if the wakee parks again, its K1-K3 come after that K5
 *        and see the post's P1; if it finds work, I3 wakes the next. The
 *        claim's CAS is seq-cst; a failed CAS only re-reads. wake_all,
 *        wake_parked and close wake without a claim; the workers they wake
 *        clear WAKING at K5 like any other.
 *        One new dependency: a claimant preempted between its CAS and its
 *        futex-wake delays the posts that skip for it until it runs again
 *        (latency, not loss: it will wake; Go's wakep has the same window).
 *        A claimant with a low priority (SCHED_IDLE, a throttled cgroup)
 *        can stretch that.
 *        Measured (spawn 10^6, interleaved medians of 21): 2 workers 18.2 ->
 *        16.0 ms; futex calls per run at 1 worker 20 instead of 200. The
 *        fork-join benchmarks, triad, sort and bench/handoff moved by less
 *        than 1.5% either way (noise).
 * Wake-ups that find nothing cost a search, never correctness; the searcher
 * count and WAKING keep them from cascading.
 * Rejected: waking on every post (herds, and a futex call per fj_go); one
 * condition variable under a mutex (a lock on the post path); timed waits
 * (they hide lost wake-ups, as in Lace).
 * Checked by: tests/test_idle.c (CPU while idle; I4: claimed wake-ups never
 * outnumber returns from park - without the WAKING test 2900-129000
 * against 20 in its 20 rounds), tests/stress_sleep.c
 * (post to a fully parked pool, thousands of times, also under TSan), and the
 * model in tests/model/.
 */
#include "sleep.h"

#include <limits.h>

#include "atomics.h"
#include "os.h"
#include "stats.h"

#define SEARCH_ONE  1ull
#define PARK_ONE    (1ull << 20)
#define SEARCHING(s) ((s) & 0xfffffull)
#define PARKED(s)    (((s) >> 20) & 0xfffffull)
#define WAKING       (1ull << 62)

_Static_assert(FJI_SLEEP_CLOSING != WAKING, "state bits");

void fji_sleep_init(fji_sleep *s)
{
    s->state = 0;
    s->epoch = 0;
    s->claims = 0;
    s->returns = 0;
}

bool fji_sleep_quiet(const fji_sleep *s, unsigned n)
{
    /* Acquire: with n parked, each worker's K1 (an RMW) is in the value
     * read, and its returns add, sequenced before that K1, is visible to the
     * caller's later loads. A claims add may still be missing (it follows
     * its CAS), which only lowers claims. */
    uint64_t st = fji_load_acquire_64(&s->state);
    return PARKED(st) == n && SEARCHING(st) == 0 && !(st & WAKING);
}

static void wake(fji_sleep *s, int n)
{
    fji_faa_seq_cst_32(&s->epoch, 1);                   /* [S2] */
    fji_futex_wake(&s->epoch, n);
}

/* Is a wake-up due by state st: nobody searching, someone parked, and no
 * wake-up claimed (I4)? */
static inline bool wake_due(uint64_t st)
{
    return SEARCHING(st) == 0 && PARKED(st) > 0 && !(st & WAKING);
}

/* Claim the wake-up that st (the caller's read of state: P3, or the value
 * its RMW left) shows is due, then make it. A failed CAS re-reads and
 * re-decides. */
static void claim_wake(fji_sleep *s, uint64_t st)
{
    while (!fji_cas_seq_cst_64(&s->state, st, st | WAKING)) {  /* I4: sees parked > 0 */
        st = fji_load_relaxed_64(&s->state);            /* re-decided by the CAS */
        if (!wake_due(st))
            return;                                     /* covered: [S1], [S5] */
    }
    fji_add_relaxed_64(&s->claims, 1);                  /* a count for tests */
    wake(s, 1);
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
        nw = (old + SEARCH_ONE - PARK_ONE) & ~WAKING;   /* K5; I4: ends the wake-up */
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
