/* group.c - fork-join: the out-of-line half of fj_spawn and fj_sync.
 *
 * The inline half (include/forja/detail.h) pushes a child into the worker's
 * private deque slots and, in fj_sync, pops and runs private children. It
 * calls here when
 *   - fj_spawn runs outside any pool, or the deque is full: the child runs
 *     inline (serial elision; I5 in deque.c);
 *   - a thief asked for work (limit lowered, deque.c [D6]): push as usual,
 *     then publish the older half of the private slots, the new one
 *     counted, and run the wake-up check (sleep.c: the publish CAS is P1);
 *   - fj_sync finds the top slot public or stolen: take it back, or wait.
 *
 * A group is owner-only (fji_group in detail.h): pending counts the children
 * still in the deque, decremented by whoever pops them, which is always this
 * worker (I1 in worker.c), so a group needs no atomics. Its children sit
 * above it in the deque, newest on top, so sync pops until pending is zero;
 * what it pops on the way (another group's child, a detached task) is work of
 * the same task or of a child that left it there, and runs too.
 *
 * Waiting for a stolen child (wait_stolen): the worker must neither idle nor
 * run unrelated work on top of this stack (rayon and TBB get deep stacks and
 * nested-wait deadlocks that way). It leapfrogs: it steals only from the
 * thief, whose public work comes from the stolen child's subtree (Wagner &
 * Calder's leapfrogging, as in Wool and Lace) - unless a task of that
 * subtree waits in fj_wg_wait, which helps with any work (worker.c
 * help_until): then the thief's deque may also hold what that work spawned
 * and injected batches it took, and this wait may run them (forja.h
 * fj_sync; found in review: 160 of 320 outside tasks ran inside an
 * fj_sync). Fixing it would mean an fj_wg_wait inside a task that helps
 * only with its own deque, or deques that mark their owner's nesting.
 * After SYNC_SPINS fruitless polls it polls SYNC_YIELDS more times with
 * sched_yield between them (on an oversubscribed machine the thief may be
 * waiting for this very CPU), then
 * sleeps on the slot's state word until the thief marks it DONE (deque.c
 * [D5]; no timeout, no lost wake-up).
 *
 * Invariants
 *   I1  When fj_sync returns, every child spawned into the group has returned
 *       and its effects are visible ([D5] acquire on the stolen ones).
 *   I2  A worker waiting in fj_sync runs only the thief's tasks.
 *   I3  A stolen slot is dropped only while it is the top slot: a task
 *       leapfrogged during the wait may return leaving detached (fj_go) slots
 *       above it, and those are popped and run first. (Found by the soak
 *       driver: dropping "the top" after the wait dropped such a slot instead,
 *       and the group's count reached zero with its stolen child still in
 *       the deque.)
 * Checked by: tests/test_group.c, tests/stress_pool.c.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "deque.h"
#include "os.h"
#include "pool.h"
#include "sleep.h"
#include "task.h"
#include "worker.h"

_Static_assert(sizeof(fji_group) <= sizeof(fj_group), "fj_group too small");

#define SYNC_SPINS  4096u          /* polls with a pause: ~50 us */
#define SYNC_YIELDS 256u           /* then polls with sched_yield: a thief that
                                      was preempted gets the CPU back */

/* Answer a thief's request (deque.c [D6]) after a push: fj_spawn's slow
 * path below, and FJ_SPAWN's (detail.h FJI_TASK_PUSH). */
void fji_spawn_answer(fji_hot *h)
{
    fji_worker *w = (fji_worker *)(void *)h;
    if (fji_deque_publish_half(&w->deque))
        fji_sleep_notify(&w->pool->sleep);      /* sleep.c P2-P3 */
}

void fji_spawn_slow(fji_hot *h, fji_group *g, fj_fn fn, void *arg)
{
    if (h == &fji_outside) {
        fn(arg);                   /* outside any pool: a plain call */
        return;
    }
    if (h->top == h->end) {        /* deque full: run the child now (an */
        if (fji_hot_asked(h))      /* inline child is never pending), */
            fji_spawn_answer(h);   /* answering a thief first ([D6]) */
        fji_count_task(h);
        fji_task_run_child((fji_worker *)(void *)h, fn, arg);
        return;
    }
    fji_spawn_push(h, g, fn, arg);  /* a thief asked: push, then answer */
    fji_spawn_answer(h);
}

void fji_sync_foreign(void)
{
    fji_die("fj_sync: the group's children were spawned on another thread (a group "
            "belongs to the task that made it; sync it there)");
}

static void wait_stolen(fji_worker *w, fji_task *slot)
{
    unsigned polls = 0;
    for (;;) {
        uint32_t st = fji_slot_state(slot);     /* deque.c [D5] */
        if (st == FJI_SLOT_DONE)
            return;
#ifndef NDEBUG
        if ((st & ~FJI_SLOT_WAITER) == w->id + 1)  /* worker.c I5: it runs above us */
            fji_die("fj_sync/FJ_SYNC: waiting for a child this worker claimed itself "
                    "and has not finished (a forja bug: worker.c I5)");
#endif
        if (st != FJI_SLOT_FRESH
            && fji_worker_leapfrog(w, (st & ~FJI_SLOT_WAITER) - 1)) {
            polls = 0;                          /* I2 */
            continue;
        }
        if (++polls >= SYNC_SPINS + SYNC_YIELDS) {
            fji_stat_add(&w->stats.sleeps, 1);
            fji_slot_sleep_until_done(slot);
            return;
        }
        if (polls < SYNC_SPINS)
            fji_cpu_relax();
        else
            sched_yield();
    }
}

void fji_slot_not_free(const fji_task *t)
{
    (void)t;
    fji_die("forja internal error: FJ_SPAWN into a slot whose group was not "
            "restored (src/deque.c I6)");
}

void fji_sync_typed_above(void)
{
    fji_die("fj_sync: an FJ_SPAWN made after this group's children is not synced "
            "yet (FJ_SYNC it before fj_sync: groups and typed spawns nest)");
}

/* The slow paths' pop: pop the top slot until it holds a child (group set).
 * A detached slot on the way is run (or, stolen and DONE, dropped); a stolen
 * child still running is waited for (leapfrogging), then popped again, so
 * tasks leapfrogged meanwhile, which run on top of this frame and may leave
 * detached slots above it, run first and a stolen slot is dropped only when
 * it is the top (I3). Returns the child with *stolen false when it was taken
 * (private, or taken back [D3]: the caller runs it) and true when its thief
 * has finished and it has been dropped (its effects visible: [D5]'s acquire
 * in fji_slot_state); NULL when the deque is empty. */
static fji_task *pop_child(fji_worker *w, bool *stolen)
{
    for (;;) {
        fji_task *s;
        switch (fji_deque_pop(&w->deque, &s)) {
        case FJI_POP_EMPTY:
            return NULL;
        case FJI_POP_TASK:
            if (s->group) {
                *stolen = false;
                return s;
            }
            fji_run_detached_slot(&w->deque.hot, s);
            break;
        case FJI_POP_STOLEN:
            if (fji_slot_state(s) != FJI_SLOT_DONE) {   /* deque.c [D5] */
                wait_stolen(w, s);
                break;
            }
            fji_deque_drop_stolen(&w->deque);           /* group stays readable */
            if (s->group) {
                *stolen = true;
                return s;                               /* the caller frees it */
            }
            fji_slot_free(s);                           /* detached: DONE at steal; I6 */
            break;
        }
    }
}

void fji_sync_slow(fji_hot *h, fji_group *g)
{
    fji_worker *w = (fji_worker *)(void *)h;
    while (g->pending) {
        if (fji_hot_asked(h))
            fji_spawn_answer(h);   /* a thief asked ([D6]): detail.h fj_sync */
        bool stolen;
        fji_task *s = pop_child(w, &stolen);
        if (!s)
            fji_die("fj_sync: the group has children but the deque is empty "
                    "(was the group spawned into by another task?)");
        if (s->group == FJI_TYPED_GROUP)
            fji_sync_typed_above();
        s->group->pending--;
        fji_slot_free(s);          /* I6; fn and arg stay, as in fj_sync */
        if (!stolen)
            fji_task_run_child(w, s->fn, s->arg);
    }
}

/* ------------------------------------------------------------ typed tasks
 * The out-of-line half of FJ_SPAWN / FJ_SYNC (include/forja/detail.h, "typed
 * tasks"). A typed slot is a child like any other for thieves (group is
 * FJI_TYPED_GROUP, a marker never dereferenced); only its owner's
 * side differs: FJ_SYNC knows its slot (fji_t_) instead of counting a group.
 *
 * Children run at once on a full deque (or outside any pool) leave their
 * results on a per-thread stack of records, popped in reverse order by the
 * FJ_SYNCs that find fji_t_ NULL: fn = the task's entry (checked), arg = the
 * fji_t_ to restore, payload = the result. It grows by doubling and is freed
 * when the thread exits.
 */
static __thread fji_task *eager;
static __thread uint32_t eager_n, eager_cap;
static pthread_key_t eager_key;
static pthread_once_t eager_once = PTHREAD_ONCE_INIT;

static void eager_free(void *p)
{
    fji_free(p);
    eager = NULL;                       /* a typed call later in this thread's */
    eager_n = eager_cap = 0;            /* exit starts a new stack */
}

static void eager_key_create(void)
{
    if (pthread_key_create(&eager_key, eager_free) != 0)
        fji_die("FJ_SPAWN: cannot create the thread-exit hook of the typed-result stack");
}

fji_task *fji_typed_eager_push(fji_task *prev, fj_fn entry)
{
    if (eager_n == eager_cap) {
        uint32_t cap = eager_cap ? eager_cap * 2 : 16;
        fji_task *m = fji_alloc(cap * sizeof *m);
        if (!m)
            fji_die("FJ_SPAWN: out of memory for the results of children run at "
                    "once (the deque is full or the thread is outside any pool)");
        if (eager_n)
            memcpy(m, eager, eager_n * sizeof *m);
        (void)pthread_once(&eager_once, eager_key_create);
        fji_free(eager);
        eager = m;
        eager_cap = cap;
        (void)pthread_setspecific(eager_key, m);        /* freed at thread exit */
    }
    fji_task *e = &eager[eager_n++];
    e->fn = entry;
    e->arg = prev;
    return e;
}

/* Every FJ_SYNC pairing mistake: name is the FJ_SYNC's task where it is
 * known (fji_typed_check, debug builds), NULL on the slow paths, whose
 * signatures stay without it (an extra argument there cost skynet's sync
 * loop 2.0 -> 2.6 ms on one worker, from register allocation alone). */
static __attribute__((noreturn)) void typed_mismatch(const char *name)
{
    char m[256];
    snprintf(m, sizeof m, "FJ_SYNC%s%s%s: the newest un-synced FJ_SPAWN of this "
             "task is of another task, or there is none (FJ_SYNCs pair with "
             "FJ_SPAWNs in reverse order; plain groups nest inside)",
             name ? "(" : "", name ? name : "", name ? ")" : "");
    fji_die(m);
}

fji_task *fji_typed_eager_prev(void)
{
    if (eager_n == 0)
        typed_mismatch(NULL);
    return (fji_task *)eager[eager_n - 1].arg;
}

fji_task *fji_typed_sync_slow(fji_hot *h, fji_task *t, fj_fn entry)
{
    if (t == NULL) {                                    /* run at once: see top */
        if (eager_n == 0 || eager[eager_n - 1].fn != entry)
            typed_mismatch(NULL);
        return &eager[--eager_n];                       /* valid until the next push */
    }
    if (t->fn != entry || t->group != FJI_TYPED_GROUP)
        typed_mismatch(NULL);
    bool stolen;
    if (pop_child((fji_worker *)(void *)h, &stolen) != t)
        typed_mismatch(NULL);
    /* Stolen: the thief's result is in the payload ([D5], see pop_child); the
     * slot is free, but nothing reuses it before the caller copies it. */
    return stolen ? t : (fji_task *)((uintptr_t)t | FJI_TYPED_RUN_IT);
}

void fji_typed_check(fji_hot *h, const fji_task *t, fj_fn entry, const char *name)
{
    if (t + 1 != h->top || t->fn != entry || t->group != FJI_TYPED_GROUP)
        typed_mismatch(name);
}

uint32_t fji_typed_enter(fji_hot *h)
{
    uint32_t open = h->open;
    h->open = 0;                        /* the child starts with no open group */
    return open;
}

void fji_typed_leave(fji_hot *h, const fji_task *base, uint32_t open)
{
    if (h->top != base || h->open)
        fji_check_leftovers(h, base);
    h->open = open;
}
