/* deque_race.h - one owner and DEQUE_RACE_THIEVES thieves racing on a split
 * deque (src/deque.c): the owner pushes bursts of tasks, publishes all or
 * half of its private slots (half only when a thief asked, seen as the
 * spawns see it: limit lowered, [D6]), and pops;
 * the thieves steal and mark what they took DONE, as a worker that ran a
 * child would ([D5]). Whatever the interleaving, every task must be taken
 * exactly once, with the fields it was pushed with.
 * Shared by test_deque.c (Criterion, small sizes) and stress_deque.c (plain
 * main, so that it also runs under TSan, which checks the orderings [D1]-[D5]
 * the counts cannot see). Header-only (static): each is one program. */
#ifndef FORJA_TEST_DEQUE_RACE_H
#define FORJA_TEST_DEQUE_RACE_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "deque.h"

#define DEQUE_RACE_THIEVES 2

struct deque_race_result {
    long by_owner, by_thieves;  /* takes: pops, steals */
    long missing, twice;        /* tasks taken never, more than once */
    long bad;                   /* takes whose fields were another task's */
    uint32_t left;              /* slots left in the deque at the end (0) */
    int lost_request;           /* at the end, splitreq set but limit not
                                   lowered: a request nobody will answer
                                   ([D6]; must be 0) */
};

static struct {
    fji_deque dq;
    fji_group group;            /* any non-NULL group: a joinable child */
    atomic_uchar *taken;
    size_t ntasks;
    atomic_int stop;
    atomic_long bad, by_owner, by_thieves;
} race_;

static void race_fn(void *arg) { (void)arg; }

/* A third detached, the rest children (stolen ones are marked DONE). */
static fji_group *race_group_of(uintptr_t id)
{
    return id % 3 == 0 ? NULL : &race_.group;
}

static void race_record(uintptr_t id, fj_fn fn, fji_group *g)
{
    if (id >= race_.ntasks || fn != race_fn || g != race_group_of(id)) {
        atomic_fetch_add(&race_.bad, 1);
        return;
    }
    atomic_fetch_add(&race_.taken[id], 1);
}

static void *race_thief(void *p)
{
    uint32_t me = (uint32_t)(uintptr_t)p;
    unsigned misses = 0;
    while (!atomic_load_explicit(&race_.stop, memory_order_acquire)) {
        fji_task out, *slot = NULL;
        int r = fji_deque_steal(&race_.dq, me, &out, &slot);
        if (r == 1) {
            race_record((uintptr_t)out.arg, out.fn, out.group);
            atomic_fetch_add(&race_.by_thieves, 1);
            if (out.group)
                fji_slot_mark_done(slot);       /* [D5]: the child "ran" */
        } else if (r == 0 && ++misses % 64 == 0) {
            sched_yield();
        }
    }
    return NULL;
}

static unsigned long race_rnd(unsigned long *s)
{
    *s = *s * 6364136223846793005ul + 1442695040888963407ul;
    return *s >> 33;
}

/* One pop; a stolen slot is waited for, by sleeping or by spinning.
 * Returns 0 when the deque is empty. */
static int race_owner_pop(unsigned long *rng)
{
    fji_task *slot = NULL;
    int r = fji_deque_pop(&race_.dq, &slot);
    if (r == FJI_POP_EMPTY)
        return 0;
    if (r == FJI_POP_TASK) {
        race_record((uintptr_t)slot->arg, slot->fn, slot->group);
        atomic_fetch_add(&race_.by_owner, 1);
        return 1;
    }
    if (race_rnd(rng) & 1)
        fji_slot_sleep_until_done(slot);
    else
        while ((fji_slot_state(slot) & ~FJI_SLOT_WAITER) != FJI_SLOT_DONE)
            sched_yield();
    fji_deque_drop_stolen(&race_.dq);
    return 1;
}

/* Race ntasks tasks through a deque of cap slots, in bursts of 1..burst_max
 * pushes and pops (burst_max 1: push one, publish it, pop: a race for the
 * last task every time). Returns 0 and fills *out, or -1 when the deque,
 * the counts or a thread cannot be set up. */
__attribute__((unused)) static int deque_race(uint32_t cap, unsigned burst_max,
                                              unsigned long seed, size_t ntasks,
                                              struct deque_race_result *out)
{
    race_.ntasks = ntasks;
    race_.taken = calloc(ntasks, sizeof *race_.taken);
    if (!race_.taken || fji_deque_init(&race_.dq, cap) != 0) {
        free(race_.taken);
        return -1;
    }
    atomic_store(&race_.stop, 0);
    atomic_store(&race_.bad, 0);
    atomic_store(&race_.by_owner, 0);
    atomic_store(&race_.by_thieves, 0);
    pthread_t th[DEQUE_RACE_THIEVES];
    for (uintptr_t i = 0; i < DEQUE_RACE_THIEVES; i++) {
        if (pthread_create(&th[i], NULL, race_thief, (void *)i) != 0) {
            atomic_store_explicit(&race_.stop, 1, memory_order_release);
            while (i-- > 0)
                pthread_join(th[i], NULL);
            fji_deque_fini(&race_.dq);
            free(race_.taken);
            return -1;
        }
    }

    unsigned long rng = seed;
    uintptr_t next = 0;
    while (next < ntasks) {
        unsigned npush = 1 + (unsigned)(race_rnd(&rng) % burst_max);
        unsigned npop = 1 + (unsigned)(race_rnd(&rng) % burst_max);
        for (unsigned k = 0; k < npush && next < ntasks; k++) {
            fji_task *t = fji_deque_reserve(&race_.dq);
            if (!t)
                break;                  /* full */
            t->fn = race_fn;
            t->arg = (void *)next;
            t->group = race_group_of(next);
            t->flags = 0;
            fji_deque_commit(&race_.dq);
            next++;
        }
        if (burst_max == 1 || race_rnd(&rng) % 16 == 0)
            fji_deque_publish_all(&race_.dq);
        else if (fji_hot_asked(&race_.dq.hot))  /* what a spawn tests */
            fji_deque_publish_half(&race_.dq);
        for (unsigned k = 0; k < npop; k++)
            if (!race_owner_pop(&rng))
                break;
    }
    while (race_owner_pop(&rng))
        ;
    atomic_store_explicit(&race_.stop, 1, memory_order_release);
    for (int i = 0; i < DEQUE_RACE_THIEVES; i++)
        pthread_join(th[i], NULL);

    *out = (struct deque_race_result){ 0 };
    for (size_t i = 0; i < ntasks; i++) {
        unsigned c = atomic_load(&race_.taken[i]);
        out->missing += c == 0;
        out->twice += c > 1;
    }
    out->by_owner = atomic_load(&race_.by_owner);
    out->by_thieves = atomic_load(&race_.by_thieves);
    out->bad = atomic_load(&race_.bad);
    out->left = fji_deque_size(&race_.dq);
    out->lost_request = __atomic_load_n(&race_.dq.hot.splitreq, __ATOMIC_RELAXED)
                        && !fji_hot_asked(&race_.dq.hot);
    fji_deque_fini(&race_.dq);
    free(race_.taken);
    return 0;
}

#endif /* FORJA_TEST_DEQUE_RACE_H */
