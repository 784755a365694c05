/* group.c - fork-join: the out-of-line half of fj_spawn and fj_sync.
 *
 * The inline half (include/forja/detail.h) pushes a child into the worker's
 * private deque slots and, in fj_sync, pops and runs private children. It
 * calls here when
 *   - fj_spawn runs outside any pool, or the deque is full: the child runs
 *     inline (serial elision; I5 in deque.c);
 *   - a thief asked for work (splitreq): publish half the private slots and
 *     run the wake-up check (sleep.c: the publish CAS is P1);
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
 * Calder's leapfrogging, as in Wool and Lace). After SYNC_SPINS fruitless
 * polls it polls SYNC_YIELDS more times with sched_yield between them (on an
 * oversubscribed machine the thief may be waiting for this very CPU), then
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
#include <sched.h>
#include <stdbool.h>

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

void fji_spawn_slow(fji_hot *h, fji_group *g, fj_fn fn, void *arg)
{
    (void)g;                       /* inline children are never pending */
    if (h == &fji_outside) {
        fn(arg);                   /* outside any pool: a plain call */
        return;
    }
    fji_count_task(h);             /* deque full: run the child now */
    fji_task_run_child((fji_worker *)(void *)h, fn, arg);
}

void fji_sync_foreign(void)
{
    fji_die("fj_sync: the group's children were spawned on another thread (a group "
            "belongs to the task that made it; sync it there)");
}

void fji_spawn_publish(fji_hot *h)
{
    fji_worker *w = (fji_worker *)(void *)h;
    if (fji_deque_publish_half(&w->deque))
        fji_sleep_notify(&w->pool->sleep);      /* sleep.c P2-P3 */
}

static void wait_stolen(fji_worker *w, fji_task *slot)
{
    unsigned polls = 0;
    for (;;) {
        uint32_t st = fji_slot_state(slot);     /* deque.c [D5] */
        if (st == FJI_SLOT_DONE)
            return;
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

void fji_sync_slow(fji_hot *h, fji_group *g)
{
    fji_worker *w = (fji_worker *)(void *)h;
    while (g->pending) {
        fji_task *s;
        switch (fji_deque_pop(&w->deque, &s)) {
        case FJI_POP_EMPTY:
            fji_die("fj_sync: the group has children but the deque is empty "
                    "(was the group spawned into by another task?)");
        case FJI_POP_TASK:
            if (!s->group) {
                fji_run_detached_slot(h, s);
            } else {
                s->group->pending--;
                fji_task_run_child(w, s->fn, s->arg);
            }
            break;
        case FJI_POP_STOLEN: {
            if (fji_slot_state(s) != FJI_SLOT_DONE) {   /* deque.c [D5] */
                /* Tasks leapfrogged meanwhile run on top of this frame and
                 * may leave detached slots above s: pop again, so those run
                 * first and s is dropped only when it is the top (I3). */
                wait_stolen(w, s);
                break;
            }
            fji_group *sg = s->group;
            fji_deque_drop_stolen(&w->deque);
            if (sg)
                sg->pending--;
            break;
        }
        }
    }
}
