/* worker.c - the worker loop: where a worker looks for work, in what order,
 * whom it steals from, and the thread-local "current worker".
 *
 * Actors: a pool has N workers (threads named forja-w<i>); each owns a deque
 * (deque.c). Outside threads submit through injection queues (inject.c).
 *
 * Find-work order (find()):
 *   1. its own deque, newest first: detached tasks left by finished tasks,
 *      or, inside a wait, children of the tasks suspended below it (above
 *      a typed slot: none; a pool of one worker then claims them oldest
 *      first, as a thief would, as its last resort: I5);
 *   2. the injection queues, starting with the one it last took from;
 *   3. one round of steals over the other workers, from a random start.
 * Own deque first keeps caches warm and stacks shallow; injection before
 * stealing keeps outside submissions moving while workers trade fork-join
 * work (as Go's schedule checks the global queue before stealing).
 * A worker with nothing to do searches for SPIN_ROUNDS rounds with a
 * growing pause, then YIELD_ROUNDS rounds with sched_yield between them (when
 * the machine is oversubscribed - an outside submitter plus N workers on N
 * cores - spinning would keep the submitter off the CPU it needs to make the
 * work we are looking for), then parks (sleep.c); around the park it tells
 * spread.c, which may move it off a CPU another awake worker holds. For up
 * to 200 us after an outside fj_run caller was woken, its spin rounds yield
 * instead of pausing (go.c [G2]): that caller needs a CPU, and the scheduler
 * does not take one from a spinning worker for it. They still count, so the
 * worker parks no later than it would have.
 * help_until() is that loop with an exit condition: the main loop exits on
 * destroy, fj_wg_wait inside a task exits when the counter is released.
 *
 * Thread-local state: fji_tls_hot (detail.h) points at the worker's hot
 * fields, or at fji_outside (zeroed: no slots) outside any pool, so the
 * inline fj_spawn never tests for NULL. initial-exec TLS: one %fs-relative
 * load in the inline fj_spawn, no __tls_get_addr call.
 *
 * Invariants
 *   I1  Only the worker itself pops its deque or touches its hot fields.
 *   I2  A task taken from anywhere runs exactly once (each queue's protocol
 *       hands a record to one taker), on this thread, to completion.
 *   I3  A stolen child's slot is marked DONE (deque.c [D5]) only after the
 *       child has returned.
 *   I4  A stolen slot is popped here only when no task is on this thread's
 *       stack (depth 0: the idle loop). Inside a wait (fj_wg_wait in a task,
 *       or a task leapfrogged by fj_sync) the top stolen slot may be the one
 *       a suspended fj_sync below is waiting on; dropping it would leave that
 *       sync waiting on a recycled slot. (Found by the soak driver's
 *       leapfrog regression.) Private and public slots of the tasks below may
 *       be popped and run: their groups' counts are this thread's.
 *   I5  Typed slots (FJ_SPAWN) are popped only by their own FJ_SYNC, and no
 *       detached slot goes directly above one (detail.h, typed tasks): a
 *       helping worker whose top slot is typed stops popping and publishes
 *       its private slots instead (so others can run them while it waits,
 *       and the park re-check sees no private work of its own), and it
 *       claims one injected record at a time instead of a batch into its
 *       deque. On a pool of one worker nobody else would run those slots,
 *       so there, when it finds nothing else, it claims its own public
 *       slots from the bottom as a thief would: a wait for a task queued
 *       below the typed slot, or for the typed child itself, then ends as
 *       it would with a thief. Such a slot is popped later, as stolen and
 *       DONE, by a sync in a frame below the claiming wait (its typed slot
 *       is at or above every claimed one), so no wait on a slot this worker
 *       claimed ever starts before DONE (group.c wait_stolen checks it in
 *       debug builds). Not with more workers: claiming the oldest slot
 *       runs it on top of the waiting task, where it may wait for what
 *       that task does after the wait (found in review: two programs that
 *       ended on two workers hung). All of this happens only inside a task
 *       (depth > 0): the idle loop never sees a typed slot
 *       (fji_worker_typed_top tests depth first).
 * No orderings of its own: it calls the labelled protocols of deque.c,
 * inject.c and sleep.c.
 */
#define _GNU_SOURCE
#include "worker.h"

#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "atomics.h"
#include "os.h"
#include "pool.h"
#include "spread.h"
#include "task.h"

/* No slots (top == end == NULL) and, for FJ_SYNC's one test, a split above
 * every address (detail.h, typed tasks). Never written. */
fji_hot fji_outside = { .split = (fji_task *)UINTPTR_MAX };
__thread fji_hot *fji_tls_hot __attribute__((tls_model("initial-exec"))) = &fji_outside;

#define SPIN_ROUNDS   32u          /* search rounds with a growing pause: ~50 us */
#define YIELD_ROUNDS  32u          /* then rounds with sched_yield, then park */
/* Records claimed from an injection queue at once. Each claim moves the
 * producer's tail and cell lines to this CPU; 64 instead of 16 took spawn
 * 10^6 from 17.1 to 14.8 ms on 1 worker and from 24.6 to 19.8 ms on 2
 * (interleaved medians of 11 and 21; 128 was no better). */
#define INJECT_BATCH  64u

int fj_worker_id(void)
{
    fji_worker *w = fji_self();
    return w ? (int)w->id : -1;
}

static uint64_t rng_next(fji_worker *w)
{
    uint64_t x = w->rng;                        /* xorshift64, owner-only */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return w->rng = x;
}

/* Steal from one victim, retrying lost races a few times. */
static bool steal_one(fji_worker *w, fji_worker *v, fji_task *t, fji_task **slot)
{
    for (int tries = 0; tries < 4; tries++) {
        fji_stat_add(&w->stats.steal_attempts, 1);
        int r = fji_deque_steal(&v->deque, w->id, t, slot);
        if (r > 0) {
            fji_stat_add(&w->stats.steals, 1);
            return true;
        }
        if (r == 0)
            return false;
    }
    return false;
}

/* I5, on a pool of one worker: the oldest public slot of our own deque,
 * claimed as a thief claims it (deque.c [D2], [D5]), so the top stays where
 * the typed slot's FJ_SYNC expects it. has_public first: a steal that finds
 * nothing public would ask ourselves for work ([D6]). No other worker can win the
 * claim; a lost one would just be retried by the caller's loop. Not counted
 * in the steal statistics. */
static bool steal_own(fji_worker *w, fji_task *t, fji_task **slot)
{
    return fji_deque_has_public(&w->deque)
        && fji_deque_steal(&w->deque, w->id, t, slot) > 0;
}

/* Own deque: a task to run, or false (empty, or the top is stolen: skip the
 * deque, do not wait here). */
static bool pop_own(fji_worker *w, fji_task *t)
{
    for (;;) {
        if (fji_worker_typed_top(w)) {
            /* I5: a typed slot is its FJ_SYNC's. Publish what is private,
             * so that other workers can run it while this one waits. */
            if (fji_deque_publish_all(&w->deque))       /* CAS: sleep.c P1 */
                fji_sleep_notify(&w->pool->sleep);
            return false;
        }

        fji_task *s;
        int r = fji_deque_pop(&w->deque, &s);
        if (r == FJI_POP_EMPTY)
            return false;
        if (r == FJI_POP_STOLEN) {
            /* I4: only with no task on this stack; otherwise the slot may be
             * the one a suspended fj_sync below is waiting on (group.c). */
            if (w->depth || fji_slot_state(s) != FJI_SLOT_DONE)
                return false;
            fji_group *g = s->group;
            fji_deque_drop_stolen(&w->deque);
            fji_slot_free(s);                   /* deque.c I6 */
            if (g)
                g->pending--;                   /* the owner's bookkeeping */
            continue;
        }
        fji_task_take(t, s);
        if (t->group)
            t->group->pending--;                /* a child of a task below us */
        return true;
    }
}

/* Claim a batch from the injection queues: run the first, queue the rest in
 * our deque, published at once so idle workers can steal them. Not inlined:
 * the batch (6 KiB) must not sit in the frame of help_until, which nests
 * once per waiting task on the stack. */
__attribute__((noinline)) static bool take_injected(fji_worker *w, fji_task *t)
{
    fji_task batch[INJECT_BATCH];
    fji_hot *h = &w->deque.hot;
    size_t room = (size_t)(h->end - h->top);
    unsigned max = room < INJECT_BATCH ? (unsigned)room + 1 : INJECT_BATCH;
    if (fji_worker_typed_top(w))
        max = 1;                                /* I5: nothing above a typed slot */
    unsigned k = fji_inject_take(&w->pool->inject, &w->inject_hint, batch, max);
    if (k == 0)
        return false;
    *t = batch[0];
    if (k > 1) {
        for (unsigned i = k - 1; i >= 1; i--) {         /* batch[1] on top */
            fji_task_copy(fji_deque_reserve(&w->deque), &batch[i]);  /* group NULL */
            fji_deque_commit(&w->deque);
        }
        fji_deque_publish_all(&w->deque);               /* CAS: sleep.c P1 */
        fji_sleep_notify(&w->pool->sleep);
    }
    return true;
}

/* Find a task (see top). *slot: the victim's slot if it is a stolen child. */
static bool find(fji_worker *w, fji_task *t, fji_task **slot)
{
    *slot = NULL;
    if (pop_own(w, t))
        return true;
    fj_pool *p = w->pool;
    if (take_injected(w, t))
        return true;
    unsigned n = p->size;
    if (n > 1) {
        unsigned start = (unsigned)(rng_next(w) % n);
        for (unsigned i = 0; i < n; i++) {
            unsigned v = (start + i) % n;
            if (v != w->id && steal_one(w, &p->workers[v], t, slot))
                return true;
        }
        return false;
    }
    /* I5: alone in the pool, nobody else will run what pop_own left. */
    return fji_worker_typed_top(w) && steal_own(w, t, slot);
}

static void run_found(fji_worker *w, fji_task *t, fji_task *slot)
{
    if (t->group) {                             /* a child: counted at spawn */
        /* A typed child (FJ_SPAWN) reaches here only stolen, so slot is
         * set: its argument and result live there (detail.h). */
        void *arg = t->group == FJI_TYPED_GROUP ? (void *)slot : t->arg;
        fji_task_run_child(w, t->fn, arg);
        if (slot)
            fji_slot_mark_done(slot);           /* I3, deque.c [D5] */
    } else {
        fji_task_run(w, t);                     /* detached slot already DONE */
    }
}

bool fji_worker_run_one(fji_worker *w)
{
    fji_task t, *slot;
    if (!find(w, &t, &slot))
        return false;
    run_found(w, &t, slot);
    return true;
}

bool fji_worker_leapfrog(fji_worker *w, uint32_t victim)
{
    fji_task t, *slot;
    if (victim >= w->pool->size || victim == w->id
        || !steal_one(w, &w->pool->workers[victim], &t, &slot))
        return false;
    run_found(w, &t, slot);
    return true;
}

/* Is there anything this worker could take? (sleep.c K3; after its fence.) */
static bool work_visible(fji_worker *w)
{
    fji_hot *h = &w->deque.hot;
    if (h->top > h->split || fji_deque_has_public(&w->deque))
        return true;
    fj_pool *p = w->pool;
    if (fji_inject_nonempty(&p->inject))
        return true;
    for (unsigned i = 0; i < p->size; i++)
        if (i != w->id && fji_deque_has_public(&p->workers[i].deque))
            return true;
    return false;
}

/* Ask every other worker to publish some of its private slots (deque.c
 * [D6]); insist: also past a request another thief won and has not yet
 * lowered limit for. */
static void ask_others(fji_worker *w, bool insist)
{
    fj_pool *p = w->pool;
    for (unsigned i = 0; i < p->size; i++)
        if (i != w->id)
            fji_deque_ask(&p->workers[i].deque, insist);
}

struct recheck {
    fji_worker *w;
    bool (*done)(void *);
    void *ctx;
};

/* sleep.c K3, after the parked announcement and its fence. Before looking
 * for work, ask every other worker to publish some (deque.c [D6]): private
 * deque slots are invisible to a parked worker, and an owner that sees the
 * request publishes with a CAS and then wakes a parked worker (sleep.c P2,
 * P3). The request is stored after the fence that follows the parked count,
 * so an owner that reads it also reads parked > 0 ([S3] in sleep.c). */
static bool recheck(void *arg)
{
    struct recheck *r = arg;
    ask_others(r->w, true);
    return r->done(r->ctx) || work_visible(r->w);
}

/* Was an outside fj_run caller woken lately, and may it still wait for a
 * CPU (go.c [G2])? A relaxed read of a hint: a stale answer costs one
 * round's spin or yield. An expired deadline is cleared (a CAS, so a newer
 * one stays), so that the clock is read only while one is pending. */
static bool caller_waking(fj_pool *p)
{
    uint64_t until = fji_load_relaxed_64(&p->caller_yield_until);
    if (until == 0)
        return false;
    if (fji_now_ns() < until)
        return true;
    /* seq-cst is the CAS atomics.h has; it orders nothing here ([G2]) */
    (void)fji_cas_seq_cst_64(&p->caller_yield_until, until, 0);
    return false;
}

void fji_worker_help_until(fji_worker *w, bool (*done)(void *), void *ctx)
{
    fji_sleep *s = &w->pool->sleep;
    bool searching = false;
    unsigned rounds = 0;
    fji_task t, *slot;
    while (!done(ctx)) {
        if (find(w, &t, &slot)) {
            if (searching) {
                fji_sleep_search_end(s);        /* sleep.c I3 */
                searching = false;
            }
            rounds = 0;
            run_found(w, &t, slot);
            continue;
        }
        if (!searching) {
            fji_sleep_search_begin(s);
            searching = true;
        }
        if (++rounds < SPIN_ROUNDS) {
            if (caller_waking(w->pool))
                sched_yield();          /* a woken fj_run caller needs a CPU */
            else
                for (unsigned i = 0; i < rounds * 8; i++)
                    fji_cpu_relax();
            continue;
        }
        if (rounds < SPIN_ROUNDS + YIELD_ROUNDS) {
            sched_yield();              /* a preempted submitter may need this CPU */
            continue;
        }
        rounds = 0;
        struct recheck rc = { w, done, ctx };
        fji_spread_parking(w);
        fji_spread_returned(w, fji_sleep_park(s, recheck, &rc, &w->stats.sleeps));
    }
    if (searching)
        fji_sleep_search_end(s);
}

static bool exit_ok(void *pool)
{
    return fji_load_acquire_32(&((fj_pool *)pool)->exit_ok) != 0;  /* pool.c [P1] */
}

/* The drain's wait for the other workers: spin, yield, then sleep 10 us
 * doubling to 1.28 ms, so that a long task elsewhere does not cost a CPU
 * per waiting worker; its only price is up to 1.28 ms more for destroy. */
static void backoff(unsigned *rounds)
{
    unsigned r = (*rounds)++;
    if (r < SPIN_ROUNDS) {
        fji_cpu_relax();
    } else if (r < SPIN_ROUNDS + YIELD_ROUNDS) {
        sched_yield();
    } else {
        unsigned k = r - SPIN_ROUNDS - YIELD_ROUNDS;
        long ns = 10000L << (k < 7 ? k : 7);            /* 10 us .. 1.28 ms */
        struct timespec ts = { 0, ns };
        nanosleep(&ts, NULL);
    }
}

/* Destroy: no new submissions can appear (inject.c [J3]). Drain what is
 * left in our deque and the injection queues, helping the others, and leave
 * only when every worker is idle here and no work is visible (pool.c [P3]):
 * a task still running elsewhere may yet publish work that only another
 * worker may take (I5). */
static void drain(fji_worker *w)
{
    fj_pool *p = w->pool;
    const uint64_t one = 1, version = 1ull << 32, done = 1ull << 63;
    fji_task t, *slot;
    for (;;) {
        if (find(w, &t, &slot)) {
            run_found(w, &t, slot);
            continue;
        }
        if (fji_deque_size(&w->deque) != 0) {       /* a stolen detached top: wait */
            fji_cpu_relax();
            continue;
        }
        fji_faa_seq_cst_64(&p->drained, one);       /* [P3]: holds nothing */
        for (unsigned rounds = 0;;) {
            uint64_t s = fji_load_acquire_64(&p->drained);  /* [P3] */
            if (s & done)
                return;
            ask_others(w, false);   /* a task still running may spawn work for us */
            if (work_visible(w)) {
                /* & ~done: a version bump past bit 62 wraps instead of
                 * carrying into DONE */
                if (fji_cas_seq_cst_64(&p->drained, s, (s - one + version) & ~done))
                    break;                          /* [P3]: busy, then take */
                continue;                           /* re-read: DONE, or retry */
            }
            if ((uint32_t)s == p->size
                && fji_cas_seq_cst_64(&p->drained, s, s | done))
                return;                             /* [P3]: nothing runs, nothing left */
            backoff(&rounds);           /* another worker may run a long task */
        }
    }
}

void *fji_worker_main(void *arg)
{
    fji_worker *w = arg;
    fj_pool *p = w->pool;
    char name[16];
    snprintf(name, sizeof name, "forja-w%u", w->id);
    fji_os_set_name(name);
    if (p->pin)
        fji_os_pin(w->id);
    else
        fji_os_unpin();                 /* not the creating thread's mask */
    fji_tls_hot = &w->deque.hot;
    fji_spread_started(w);
    fji_worker_help_until(w, exit_ok, p);
    drain(w);
    fji_tls_hot = &fji_outside;
    return NULL;
}
