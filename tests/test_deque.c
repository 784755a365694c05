/* test_deque.c - the per-worker split deque (src/deque.c), driven directly.
 * Owner side: reserve/commit push, pop, publish_half/publish_all, drop_stolen.
 * Thief side: steal, splitreq, the stolen-slot handshake [D5].
 * Checks I1-I4 through their consequences: LIFO for the owner, oldest first for
 * thieves, every task taken exactly once, a stolen slot handed back only DONE.
 * The owner-and-thieves race is deque_race.h, run again, bigger, by
 * stress_deque.c (also under TSan). */
#include <criterion/criterion.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deque.h"
#include "deque_race.h"

static fji_deque dq;              /* each Criterion test is its own process */
static fji_group a_group;         /* any non-NULL group: a joinable child */

static void dummy_fn(void *arg) { (void)arg; }

static void push(fji_deque *d, uintptr_t id, fji_group *g)
{
    fji_task *t = fji_deque_reserve(d);
    cr_assert_not_null(t, "push %zu: deque full", (size_t)id);
    t->fn = dummy_fn;
    t->arg = (void *)id;
    t->group = g;
    t->flags = 0;
    fji_deque_commit(d);
}

static uint32_t splitreq(const fji_deque *d)
{
    return __atomic_load_n(&d->hot.splitreq, __ATOMIC_RELAXED);
}

static void init(uint32_t cap)
{
    cr_assert_eq(fji_deque_init(&dq, cap), 0);
}

static void fini(void)
{
    fji_deque_fini(&dq);
}

/* ------------------------------------------------------- one thread */

Test(deque, owner_pops_its_own_tasks_in_lifo_order)
{
    init(128);
    for (uintptr_t i = 0; i < 100; i++)
        push(&dq, i, &a_group);
    cr_assert_eq(fji_deque_size(&dq), 100);
    for (uintptr_t i = 100; i-- > 0;) {
        fji_task *slot = NULL;
        cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_TASK);
        cr_assert_eq((uintptr_t)slot->arg, i);
        cr_assert_eq(slot->fn, dummy_fn);
        cr_assert_eq(slot->group, &a_group);
    }
    fji_task *slot = NULL;
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);
    cr_assert_eq(fji_deque_size(&dq), 0);
    fini();
}

Test(deque, pop_on_an_empty_deque_returns_empty)
{
    init(16);
    fji_task *slot = NULL;
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);
    push(&dq, 7, NULL);
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_TASK);
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);
    fini();
}

Test(deque, reserve_returns_null_when_the_deque_is_full)
{
    init(8);
    for (uintptr_t i = 0; i < 8; i++)
        push(&dq, i, &a_group);
    cr_assert_null(fji_deque_reserve(&dq));
    cr_assert_eq(fji_deque_size(&dq), 8);
    fji_task *slot = NULL;
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_TASK);
    cr_assert_eq((uintptr_t)slot->arg, 7);
    cr_assert_not_null(fji_deque_reserve(&dq));
    fini();
}

Test(deque, steal_finds_nothing_while_every_task_is_private_and_asks_for_a_split)
{
    init(16);
    fji_task out, *slot = NULL;
    cr_assert_eq(fji_deque_steal(&dq, 0, &out, &slot), 0);   /* empty */
    for (uintptr_t i = 0; i < 4; i++)
        push(&dq, i, &a_group);
    cr_assert_not(fji_deque_has_public(&dq));
    cr_assert_eq(fji_deque_steal(&dq, 0, &out, &slot), 0);
    cr_assert_neq(splitreq(&dq), 0, "a thief that found nothing public sets splitreq");
    cr_assert(fji_hot_asked(&dq.hot), "and lowers the owner's limit, so its next spawn answers");
    fini();
}

Test(deque, publish_half_makes_the_oldest_tasks_public_and_consumes_the_request)
{
    init(16);
    for (uintptr_t i = 0; i < 5; i++)
        push(&dq, i, NULL);
    fji_task out, *slot = NULL;
    cr_assert_eq(fji_deque_steal(&dq, 0, &out, &slot), 0);
    cr_assert_neq(splitreq(&dq), 0);
    cr_assert(fji_deque_publish_half(&dq));
    cr_assert_eq(splitreq(&dq), 0, "publish_half consumes the request");
    cr_assert(!fji_hot_asked(&dq.hot) && dq.hot.limit == dq.hot.end, "and raises the limit back");
    cr_assert(fji_deque_has_public(&dq));

    uintptr_t stolen = 0;
    while (fji_deque_steal(&dq, 1, &out, &slot) == 1) {
        cr_assert_eq((uintptr_t)out.arg, stolen, "thieves take the oldest first");
        cr_assert_eq(slot, &dq.hot.slots[stolen]);
        stolen++;
    }
    cr_assert(stolen >= 1 && stolen <= 3, "half of 5 private tasks, at least one: got %zu",
              (size_t)stolen);
    /* The newer ones stayed private: the owner gets them, newest first. */
    for (uintptr_t i = 5; i-- > stolen;) {
        cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_TASK);
        cr_assert_eq((uintptr_t)slot->arg, i);
    }
    /* Then the stolen ones, each handed back DONE (detached: done at steal). */
    for (uintptr_t i = stolen; i-- > 0;) {
        cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_STOLEN);
        cr_assert_eq(slot, &dq.hot.slots[i]);
        cr_assert_eq(fji_slot_state(slot), FJI_SLOT_DONE);
        fji_deque_drop_stolen(&dq);
    }
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);
    fini();
}

Test(deque, publish_half_with_nothing_private_returns_false)
{
    init(16);
    cr_assert_not(fji_deque_publish_half(&dq));
    push(&dq, 0, NULL);
    fji_deque_publish_all(&dq);
    cr_assert_not(fji_deque_publish_half(&dq));
    cr_assert(fji_deque_has_public(&dq));
    fini();
}

Test(deque, publish_all_lets_thieves_take_every_task_oldest_first)
{
    init(16);
    for (uintptr_t i = 0; i < 10; i++)
        push(&dq, i, NULL);
    fji_deque_publish_all(&dq);
    fji_task out, *slot = NULL;
    for (uintptr_t i = 0; i < 10; i++) {
        cr_assert_eq(fji_deque_steal(&dq, 0, &out, &slot), 1);
        cr_assert_eq((uintptr_t)out.arg, i);
        cr_assert_eq(out.fn, dummy_fn);
        cr_assert_null(out.group);
    }
    cr_assert_eq(fji_deque_steal(&dq, 0, &out, &slot), 0);
    cr_assert_not(fji_deque_has_public(&dq));
    for (uintptr_t i = 10; i-- > 0;) {
        cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_STOLEN);
        cr_assert_eq(slot, &dq.hot.slots[i]);
        cr_assert_eq(fji_slot_state(slot), FJI_SLOT_DONE);
        fji_deque_drop_stolen(&dq);
    }
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);
    cr_assert_eq(fji_deque_size(&dq), 0);
    fini();
}

Test(deque, owner_takes_back_public_tasks_newest_first)
{
    init(16);
    for (uintptr_t i = 0; i < 10; i++)
        push(&dq, i, &a_group);
    fji_deque_publish_all(&dq);
    fji_task out, *slot = NULL;
    for (uintptr_t i = 10; i-- > 0;) {
        cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_TASK);
        cr_assert_eq((uintptr_t)slot->arg, i);
    }
    cr_assert_eq(fji_deque_steal(&dq, 0, &out, &slot), 0);
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);
    fini();
}

Test(deque, steal_copies_the_inline_payload_of_a_copy_task)
{
    init(16);
    fji_task *t = fji_deque_reserve(&dq);
    t->fn = dummy_fn;
    t->arg = NULL;
    t->group = NULL;
    t->flags = FJI_TASK_COPY;
    for (unsigned i = 0; i < FJ_COPY_INLINE; i++)
        t->payload[i] = (unsigned char)(i * 7 + 1);
    fji_deque_commit(&dq);
    fji_deque_publish_all(&dq);
    fji_task out, *slot = NULL;
    memset(&out, 0, sizeof out);
    cr_assert_eq(fji_deque_steal(&dq, 0, &out, &slot), 1);
    cr_assert_eq(out.flags, FJI_TASK_COPY);
    for (unsigned i = 0; i < FJ_COPY_INLINE; i++)
        cr_assert_eq(out.payload[i], (unsigned char)(i * 7 + 1), "payload byte %u", i);
    fini();
}

Test(deque, stolen_joinable_slot_is_handed_back_only_after_the_thief_marks_it_done)
{
    init(16);
    for (uintptr_t i = 0; i < 3; i++)
        push(&dq, i, &a_group);
    fji_deque_publish_all(&dq);
    fji_task out, *stolen = NULL, *slot = NULL;
    cr_assert_eq(fji_deque_steal(&dq, 4, &out, &stolen), 1);
    cr_assert_eq((uintptr_t)out.arg, 0);
    cr_assert_eq(out.group, &a_group);
    cr_assert_eq(stolen, &dq.hot.slots[0]);
    cr_assert_neq(fji_slot_state(stolen), FJI_SLOT_DONE, "a joinable child is not done at steal");
    cr_assert_eq(fji_slot_state(stolen) & ~FJI_SLOT_WAITER, 5u, "the state names thief 4 (+1)");

    /* The two public tasks nobody claimed come back to the owner. */
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_TASK);
    cr_assert_eq((uintptr_t)slot->arg, 2);
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_TASK);
    cr_assert_eq((uintptr_t)slot->arg, 1);

    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_STOLEN);
    cr_assert_eq(slot, stolen);
    cr_assert_neq(fji_slot_state(slot), FJI_SLOT_DONE);
    fji_slot_mark_done(stolen);                         /* the thief finishes */
    cr_assert_eq(fji_slot_state(slot), FJI_SLOT_DONE);
    fji_slot_sleep_until_done(slot);                    /* returns at once */
    fji_deque_drop_stolen(&dq);
    cr_assert_eq(fji_deque_size(&dq), 0);
    cr_assert_eq(fji_slot_state(&dq.hot.slots[0]), FJI_SLOT_FRESH, "drop resets the slot");
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);

    /* The slot and the deque are reusable. */
    push(&dq, 9, &a_group);
    fji_deque_publish_all(&dq);
    cr_assert_eq(fji_deque_steal(&dq, 1, &out, &slot), 1);
    cr_assert_eq((uintptr_t)out.arg, 9);
    fini();
}

Test(deque, stolen_detached_slot_is_done_as_soon_as_it_is_stolen)
{
    init(16);
    push(&dq, 0, NULL);
    fji_deque_publish_all(&dq);
    fji_task out, *slot = NULL;
    cr_assert_eq(fji_deque_steal(&dq, 0, &out, &slot), 1);
    cr_assert_eq(fji_slot_state(slot), FJI_SLOT_DONE);
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_STOLEN);
    fji_deque_drop_stolen(&dq);
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_EMPTY);
    fini();
}

/* ------------------------------------------------ sleep on a stolen slot */

static atomic_int thief_has_it;
static atomic_int thief_may_finish;

static void *lazy_thief(void *p)
{
    (void)p;
    fji_task out, *slot = NULL;
    while (fji_deque_steal(&dq, 1, &out, &slot) != 1)
        sched_yield();
    atomic_store(&thief_has_it, 1);
    while (!atomic_load(&thief_may_finish))
        sched_yield();
    usleep(20000);                    /* let the owner get to its futex wait */
    fji_slot_mark_done(slot);
    return NULL;
}

Test(deque, owner_sleeping_on_a_stolen_slot_is_woken_by_mark_done, .timeout = 30)
{
    init(16);
    push(&dq, 0, &a_group);
    fji_deque_publish_all(&dq);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, lazy_thief, NULL), 0);
    while (!atomic_load(&thief_has_it))
        sched_yield();
    fji_task *slot = NULL;
    cr_assert_eq(fji_deque_pop(&dq, &slot), FJI_POP_STOLEN);
    atomic_store(&thief_may_finish, 1);
    fji_slot_sleep_until_done(slot);
    cr_assert_eq(fji_slot_state(slot) & ~FJI_SLOT_WAITER, FJI_SLOT_DONE);
    fji_deque_drop_stolen(&dq);
    pthread_join(th, NULL);
    fini();
}

/* ------------------------------------------- owner and two thieves race */

enum { RACE_TASKS = 200000 };

/* deque_race.h; burst_max 1: push one, publish it, pop: a race for the last
 * task each time. */
static void race(uint32_t cap, unsigned burst_max, unsigned long seed)
{
    struct deque_race_result r;
    cr_assert_eq(deque_race(cap, burst_max, seed, RACE_TASKS, &r), 0, "race set-up failed");
    cr_assert_eq(r.bad, 0, "a taken task had fields of another");
    cr_assert_eq(r.missing, 0, "%ld tasks never taken", r.missing);
    cr_assert_eq(r.twice, 0, "%ld tasks taken more than once", r.twice);
    cr_assert_eq(r.by_owner + r.by_thieves, RACE_TASKS);
    cr_assert_eq(r.left, 0);
    cr_assert_not(r.lost_request, "splitreq set with limit not lowered: a lost request");
}

Test(deque, steal_and_pop_never_return_the_same_task, .timeout = 60)
{
    race(256, 8, 12345);
}

Test(deque, steal_and_pop_racing_for_the_last_task_take_it_exactly_once, .timeout = 60)
{
    race(16, 1, 12345);
}

Test(deque, exactly_once_holds_when_the_deque_keeps_filling_up, .timeout = 60)
{
    race(8, 12, 12345);
}
