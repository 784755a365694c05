/* stress_deque.c - one owner and two thieves on the split deque (src/deque.c),
 * a few hundred thousand tasks: every task is taken exactly once, by the owner
 * (pop) or by one thief (steal), whatever the interleaving. Plain main so it
 * also runs under TSan, which checks the orderings [D1]-[D5] the test itself
 * cannot see. Usage: stress_deque [tasks]. Exit status 0: every check held. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "deque.h"

#if defined(__SANITIZE_THREAD__)
#define DEFAULT_TASKS 250000u
#else
#define DEFAULT_TASKS 3000000u
#endif
#define THIEVES 2

static fji_deque dq;
static fji_group a_group;
static atomic_uchar *taken;
static size_t ntasks;
static atomic_int stop;
static atomic_long bad, by_owner, by_thieves;

static void dummy_fn(void *arg) { (void)arg; }

static fji_group *group_of(uintptr_t id)
{
    return (id % 3 == 0) ? NULL : &a_group;   /* a third detached, the rest joinable */
}

static void record(uintptr_t id, fj_fn fn, fji_group *g)
{
    if (id >= ntasks || fn != dummy_fn || g != group_of(id)) {
        atomic_fetch_add(&bad, 1);
        return;
    }
    atomic_fetch_add(&taken[id], 1);
}

static void *thief(void *p)
{
    uint32_t me = (uint32_t)(uintptr_t)p;
    unsigned misses = 0;
    while (!atomic_load_explicit(&stop, memory_order_acquire)) {
        fji_task out, *slot = NULL;
        int r = fji_deque_steal(&dq, me, &out, &slot);
        if (r == 1) {
            record((uintptr_t)out.arg, out.fn, out.group);
            atomic_fetch_add(&by_thieves, 1);
            if (out.group)
                fji_slot_mark_done(slot);
        } else if (r == 0 && ++misses % 32 == 0) {
            sched_yield();
        }
    }
    return NULL;
}

static unsigned long rnd(unsigned long *s)
{
    *s = *s * 6364136223846793005ul + 1442695040888963407ul;
    return *s >> 33;
}

static int owner_pop(unsigned long *rng)   /* 0: deque empty */
{
    fji_task *slot = NULL;
    int r = fji_deque_pop(&dq, &slot);
    if (r == FJI_POP_EMPTY)
        return 0;
    if (r == FJI_POP_TASK) {
        record((uintptr_t)slot->arg, slot->fn, slot->group);
        atomic_fetch_add(&by_owner, 1);
        return 1;
    }
    if (rnd(rng) & 1)
        fji_slot_sleep_until_done(slot);
    else
        while ((fji_slot_state(slot) & ~FJI_SLOT_WAITER) != FJI_SLOT_DONE)
            sched_yield();
    fji_deque_drop_stolen(&dq);
    return 1;
}

static int run(uint32_t cap, unsigned burst_max, unsigned long seed)
{
    for (size_t i = 0; i < ntasks; i++)
        atomic_store(&taken[i], 0);
    atomic_store(&stop, 0);
    atomic_store(&by_owner, 0);
    atomic_store(&by_thieves, 0);
    if (fji_deque_init(&dq, cap) != 0) {
        fprintf(stderr, "stress_deque: init failed\n");
        return 1;
    }
    pthread_t th[THIEVES];
    for (uintptr_t i = 0; i < THIEVES; i++)
        if (pthread_create(&th[i], NULL, thief, (void *)i) != 0) {
            fprintf(stderr, "stress_deque: pthread_create failed\n");
            return 1;
        }

    unsigned long rng = seed;
    uintptr_t next = 0;
    while (next < ntasks) {
        unsigned npush = 1 + (unsigned)(rnd(&rng) % burst_max);
        unsigned npop = 1 + (unsigned)(rnd(&rng) % burst_max);
        for (unsigned k = 0; k < npush && next < ntasks; k++) {
            fji_task *t = fji_deque_reserve(&dq);
            if (!t)
                break;
            t->fn = dummy_fn;
            t->arg = (void *)next;
            t->group = group_of(next);
            t->flags = 0;
            fji_deque_commit(&dq);
            next++;
        }
        unsigned long how = rnd(&rng) % 16;
        if (how == 0 || burst_max == 1)
            fji_deque_publish_all(&dq);
        else if (__atomic_load_n(&dq.hot.splitreq, __ATOMIC_RELAXED))
            fji_deque_publish_half(&dq);
        for (unsigned k = 0; k < npop; k++)
            if (!owner_pop(&rng))
                break;
    }
    while (owner_pop(&rng))
        ;
    atomic_store_explicit(&stop, 1, memory_order_release);
    for (int i = 0; i < THIEVES; i++)
        pthread_join(th[i], NULL);

    long missing = 0, twice = 0;
    for (size_t i = 0; i < ntasks; i++) {
        unsigned c = atomic_load(&taken[i]);
        missing += c == 0;
        twice += c > 1;
    }
    long total = atomic_load(&by_owner) + atomic_load(&by_thieves);
    int fail = missing || twice || atomic_load(&bad) || total != (long)ntasks ||
               fji_deque_size(&dq) != 0;
    printf("stress_deque: cap %u burst %u: %zu tasks, owner %ld, thieves %ld, "
           "missing %ld, twice %ld, bad %ld: %s\n",
           cap, burst_max, ntasks, atomic_load(&by_owner), atomic_load(&by_thieves),
           missing, twice, atomic_load(&bad), fail ? "FAIL" : "ok");
    fji_deque_fini(&dq);
    return fail;
}

int main(int argc, char **argv)
{
    ntasks = argc > 1 ? strtoul(argv[1], NULL, 10) : DEFAULT_TASKS;
    if (ntasks == 0)
        ntasks = DEFAULT_TASKS;
    taken = calloc(ntasks, sizeof *taken);
    if (!taken)
        return 1;
    int fail = 0;
    fail |= run(1024, 16, 1);   /* deep deque, splits by request */
    fail |= run(16, 1, 2);      /* one task at a time: races for the last one */
    fail |= run(8, 12, 3);      /* always nearly full */
    free(taken);
    return fail;
}
