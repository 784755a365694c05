/* test_group.c - fork-join: fj_spawn / fj_sync (forja.h, src/group.c).
 * Results are checked against closed forms and per-child counters; nothing
 * here asserts on time. Assertions run on the test thread only: code running
 * on workers records what it saw in atomics, checked after fj_run returns. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "forja.h"

/* support.h's fib_task counts its spawns here (the tests check the count). */
static atomic_long spawns;
#define FIB_ON_SPAWN() atomic_fetch_add_explicit(&spawns, 1, memory_order_relaxed)
#include "support.h"

/* ------------------------------------------------------------------ fib */

/* Binet's formula, rounded: exact for n <= 70 in long double. */
static long fib_closed(int n)
{
    const long double sqrt5 = 2.236067977499789696409173668731276235L;
    long double phi = (1 + sqrt5) / 2, x = 1;
    for (int i = 0; i < n; i++)
        x *= phi;
    return (long)(x / sqrt5 + 0.5L);
}

/* Spawns made by fib_task(n): one per call with n >= 2, i.e. fib(n+1) - 1. */
static long fib_spawns(int n)
{
    return fib_closed(n + 1) - 1;
}

Test(group, fib_25_matches_the_closed_form_on_1_2_and_3_workers, .timeout = 60)
{
    cr_assert_eq(fib_closed(25), 75025);
    for (unsigned w = 1; w <= 3; w++) {
        fj_pool *p = make_pool(w);
        struct fib f = { 25, -1 };
        atomic_store(&spawns, 0);
        cr_assert_eq(fj_run(p, fib_task, &f), 0);
        cr_assert_eq(f.r, 75025, "fib(25) on %u workers", w);
        cr_assert_eq(atomic_load(&spawns), fib_spawns(25));
        drop_pool(p);
    }
}

Test(group, stats_count_every_spawn_and_run_exactly_once_the_pool_is_idle, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    fj_stats before, after;
    cr_assert_eq(fj_pool_stats(p, &before), 0);
    struct fib f = { 20, -1 };
    cr_assert_eq(fj_run(p, fib_task, &f), 0);
    cr_assert_eq(f.r, fib_closed(20));
    uint64_t want = before.tasks + (uint64_t)fib_spawns(20) + 1;   /* + the fj_run */
    /* "Exact once the pool is idle": give the workers a moment to go idle. */
    for (int i = 0; i < 200; i++) {
        cr_assert_eq(fj_pool_stats(p, &after), 0);
        if (after.tasks >= want)
            break;
        usleep(5000);
    }
    usleep(20000);
    cr_assert_eq(fj_pool_stats(p, &after), 0);
    cr_assert_eq(after.tasks, want, "tasks %llu, want %llu spawns + 1 run",
                 (unsigned long long)after.tasks, (unsigned long long)want);
    cr_assert(after.steals <= after.steal_attempts);
    drop_pool(p);
}

/* ------------------------------------------------------ groups in a task */

static atomic_long wrong;           /* a check that failed on a worker */

static void check(int ok)
{
    if (!ok)
        atomic_fetch_add(&wrong, 1);
}

static void count_child(void *p)
{
    atomic_int *c = p;
    struct fib f = { 8, 0 };        /* some nested fork-join of its own */
    fib_task(&f);
    check(f.r == 21);
    atomic_fetch_add(c, 1);
}

static void interleaved(void *unused)
{
    (void)unused;
    atomic_int a = 0, b = 0, c = 0, d = 0;
    fj_group g1 = FJ_GROUP_INIT, g2 = FJ_GROUP_INIT;
    fj_spawn(&g1, count_child, &a);
    fj_spawn(&g2, count_child, &b);
    fj_spawn(&g1, count_child, &c);
    fj_sync(&g1);
    check(atomic_load(&a) == 1 && atomic_load(&c) == 1);
    fj_sync(&g2);
    check(atomic_load(&b) == 1);
    fj_spawn(&g1, count_child, &d);         /* reuse after sync */
    fj_spawn(&g2, count_child, &d);
    fj_sync(&g2);
    fj_sync(&g1);
    check(atomic_load(&d) == 2);
    check(atomic_load(&a) == 1 && atomic_load(&b) == 1 && atomic_load(&c) == 1);

    /* g1's last child is run by g2's sync, and its slot then holds g3's
     * child: g1's sync must not take that child for its own (detail.h's
     * fast path checks the slot's group) and must still run e. */
    atomic_int e = 0, f = 0, h = 0, k = 0, m = 0;
    fj_group g3 = FJ_GROUP_INIT;
    fj_spawn(&g1, count_child, &e);
    fj_spawn(&g2, count_child, &f);
    fj_spawn(&g1, count_child, &h);         /* g1's last */
    fj_sync(&g2);                           /* runs h, then f */
    check(atomic_load(&f) == 1 && atomic_load(&h) == 1);
    fj_spawn(&g2, count_child, &k);
    fj_spawn(&g3, count_child, &m);         /* where h was */
    fj_sync(&g1);
    check(atomic_load(&e) == 1);
    fj_sync(&g3);
    fj_sync(&g2);
    check(atomic_load(&k) == 1 && atomic_load(&m) == 1);
}

static void many_interleaved(void *unused)
{
    (void)unused;
    fj_group g = FJ_GROUP_INIT;
    for (int i = 0; i < 500; i++) {
        fj_spawn(&g, interleaved, NULL);
        if (i % 7 == 0)
            fj_sync(&g);
    }
    fj_sync(&g);
}

/* A request pending at a spawn is answered by that spawn, the new child
 * included (deque.c [D6]): here the parent spawns once, after the other
 * worker asked, and then only waits, so the child can only run in parallel
 * if that one spawn published it. */
static int answer_flag;
static int answer_child_worker;

static void answer_child(void *p)
{
    (void)p;
    answer_child_worker = fj_worker_id();
    __atomic_store_n(&answer_flag, 1, __ATOMIC_RELEASE);
}

static int answer_stall;             /* 1: play a thief stalled after its CAS */

static void answer_parent(void *p)
{
    struct answer_seen *s = p;
    s->parent = fj_worker_id();
    if (answer_stall)                   /* won splitreq, never lowers limit */
        __atomic_store_n(&fji_tls_hot->splitreq, 1, __ATOMIC_RELAXED);
    s->asked = wait_until_asked();
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, answer_child, NULL);
    s->ran = wait_for_flag(&answer_flag);   /* nothing more spawned meanwhile */
    fj_sync(&g);
    s->child = answer_child_worker;
}

Test(group, a_spawn_answers_a_pending_request_with_the_child_it_pushes, .timeout = 60)
{
    answer_stall = 0;
    expect_answered(answer_parent, &answer_flag);   /* support.h */
}

/* A thief that won splitreq and stalled before lowering limit blocks other
 * thieves' requests; a worker about to park insists and lowers it itself
 * (deque.c [D6]). Here the parent plays that thief on its own deque. */
Test(group, a_parking_worker_asks_again_past_a_stalled_request, .timeout = 60)
{
    answer_stall = 1;
    expect_answered(answer_parent, &answer_flag);
}

/* A request that arrives while fj_sync pops is answered by the sync, as a
 * spawn would answer it (detail.h fj_sync, deque.c [D6]). Before, only
 * spawns answered: a flat loop of spawns, answered once, was then synced
 * serially while the other worker slept (a review's program: 1000 children
 * of 10 us took 10.3 ms on 2 workers; 5.2 ms now). Here the other worker is
 * kept busy (flat_hold) until four children are queued, so no spawn sees
 * its request. The sync's fast path runs the newest child (3) at once; the
 * next pop must answer first, so child 2 can wait for an older child to run
 * on the other worker. */
static int flat_go, flat_other_ran, flat_ok, flat_parent_worker;

static void flat_hold(void *p)
{
    (void)p;
    wait_for_flag(&flat_go);
}

static void flat_child(void *p)
{
    intptr_t i = (intptr_t)p;
    if (fj_worker_id() != flat_parent_worker)
        __atomic_store_n(&flat_other_ran, 1, __ATOMIC_RELEASE);
    if (i == 2)
        __atomic_store_n(&flat_ok, wait_for_flag(&flat_other_ran), __ATOMIC_RELAXED);
}

static void flat_parent(void *p)
{
    struct answer_seen *s = p;
    s->parent = flat_parent_worker = fj_worker_id();
    fj_group hold = FJ_GROUP_INIT, g = FJ_GROUP_INIT;
    s->asked = wait_until_asked();
    fj_spawn(&hold, flat_hold, NULL);       /* answers: the other worker takes it */
    for (intptr_t i = 0; i < 4; i++)
        fj_spawn(&g, flat_child, (void *)i);
    __atomic_store_n(&flat_go, 1, __ATOMIC_RELEASE);
    s->asked = s->asked && wait_until_asked();  /* it is back, and asks again */
    fj_sync(&g);                            /* must answer it */
    fj_sync(&hold);
    s->ran = __atomic_load_n(&flat_ok, __ATOMIC_RELAXED);
}

Test(group, a_sync_answers_a_request_that_arrives_while_it_pops, .timeout = 120)
{
    fj_pool *p = make_pool(2);
    for (int i = 0; i < 3; i++) {
        struct answer_seen s = { 0, 0, -1, -1 };
        __atomic_store_n(&flat_go, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&flat_ok, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&flat_other_ran, 0, __ATOMIC_RELAXED);
        cr_assert_eq(fj_run(p, flat_parent, &s), 0);
        cr_assert(s.asked, "round %d: the other worker never asked", i);
        cr_assert(s.ran, "round %d: no older child ran on the other worker while child 2 "
                  "waited: the sync did not answer the request", i);
    }
    drop_pool(p);
}

Test(group, interleaved_groups_each_sync_waits_for_its_own_children_and_are_reusable, .timeout = 60)
{
    fj_pool *p = make_pool(3);
    atomic_store(&wrong, 0);
    cr_assert_eq(fj_run(p, interleaved, NULL), 0);
    cr_assert_eq(fj_run(p, many_interleaved, NULL), 0);
    cr_assert_eq(atomic_load(&wrong), 0);
    drop_pool(p);
}

enum { MANY = 1000 };
static atomic_int ran[MANY];

static void mark(void *p)
{
    atomic_fetch_add((atomic_int *)p, 1);
}

static void spawn_many(void *rounds_p)
{
    int rounds = *(int *)rounds_p;
    fj_group g = FJ_GROUP_INIT;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < MANY; i++)
            fj_spawn(&g, mark, &ran[i]);
        fj_sync(&g);
        for (int i = 0; i < MANY; i++)
            check(atomic_load(&ran[i]) == r + 1);   /* all done at sync */
    }
}

Test(group, a_thousand_children_in_one_group_each_run_exactly_once, .timeout = 60)
{
    fj_pool *p = make_pool(3);
    int rounds = 20;
    cr_assert_eq(fj_run(p, spawn_many, &rounds), 0);
    cr_assert_eq(atomic_load(&wrong), 0);
    for (int i = 0; i < MANY; i++)
        cr_assert_eq(atomic_load(&ran[i]), rounds, "child %d", i);
    drop_pool(p);
}

static void spawn_from_go(void *p)
{
    int rounds = 1;
    spawn_many(&rounds);
    fj_wg_done(p);
}

Test(group, spawn_and_sync_work_inside_an_fj_go_task, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, 1);
    cr_assert_eq(fj_go(p, spawn_from_go, &wg), 0);
    fj_wg_wait(&wg);
    cr_assert_eq(atomic_load(&wrong), 0);
    for (int i = 0; i < MANY; i++)
        cr_assert_eq(atomic_load(&ran[i]), 1, "child %d", i);
    drop_pool(p);
}

/* ---------------------------------------------------- outside any pool */

static int elided_id = 42;
static int elided_ran;

static void elided_child(void *p)
{
    (void)p;
    elided_id = fj_worker_id();
    elided_ran++;
}

Test(group, spawn_outside_any_pool_runs_the_child_before_returning)
{
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, elided_child, NULL);
    cr_assert_eq(elided_ran, 1, "the child ran inside fj_spawn");
    cr_assert_eq(elided_id, -1, "serial elision runs on the caller, outside any pool");
    fj_spawn(&g, elided_child, NULL);
    cr_assert_eq(elided_ran, 2);
    fj_sync(&g);
    cr_assert_eq(elided_ran, 2);
    struct fib f = { 15, 0 };
    fib_task(&f);                       /* a whole fork-join tree, serially */
    cr_assert_eq(f.r, fib_closed(15));
}

static void sync_nothing(void *p)
{
    fj_group g = FJ_GROUP_INIT;
    fj_sync(&g);
    fj_sync(&g);
    *(int *)p = 1;
}

Test(group, sync_with_nothing_spawned_returns, .timeout = 30)
{
    int done = 0;
    sync_nothing(&done);                /* outside any pool */
    cr_assert_eq(done, 1);
    fj_pool *p = make_pool(2);
    done = 0;
    cr_assert_eq(fj_run(p, sync_nothing, &done), 0);
    cr_assert_eq(done, 1);
    drop_pool(p);
}

/* ----------------------------------------------------------- deep chains */

static atomic_long levels;

static void deep(void *p)
{
    long n = (long)(intptr_t)p;
    atomic_fetch_add_explicit(&levels, 1, memory_order_relaxed);
    if (n == 0)
        return;
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, deep, (void *)(intptr_t)(n - 1));
    fj_sync(&g);
}

Test(group, a_chain_of_5000_nested_spawns_completes, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    for (int r = 0; r < 5; r++) {
        atomic_store(&levels, 0);
        cr_assert_eq(fj_run(p, deep, (void *)(intptr_t)5000), 0);
        cr_assert_eq(atomic_load(&levels), 5001);
    }
    drop_pool(p);
    atomic_store(&levels, 0);
    deep((void *)(intptr_t)5000);       /* and serially, outside any pool */
    cr_assert_eq(atomic_load(&levels), 5001);
}

/* --------------------------------------------------------------- misuse */

static void nothing(void *p) { (void)p; }

static void leave_child_queued(void *p)
{
    (void)p;
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, nothing, NULL);
}                                       /* no fj_sync: the child is still queued */

Test(group, task_returning_with_children_still_queued_aborts, .signal = SIGABRT, .timeout = 30)
{
    fj_pool *p = make_pool(1);          /* one worker: nobody can steal the child */
    fj_run(p, leave_child_queued, NULL);
}

static void parent_of_leaver(void *p)
{
    (void)p;
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, leave_child_queued, NULL);
    fj_sync(&g);                        /* runs the leaver inline, which returns dirty */
}

Test(group, spawned_child_returning_with_children_still_queued_aborts, .signal = SIGABRT, .timeout = 30)
{
    fj_pool *p = make_pool(1);
    fj_run(p, parent_of_leaver, NULL);
}

static void go_leaves_child(void *p)
{
    (void)p;
    leave_child_queued(NULL);
}

Test(group, fj_go_task_returning_with_children_still_queued_aborts, .signal = SIGABRT, .timeout = 30)
{
    fj_pool *p = make_pool(1);
    fj_go(p, go_leaves_child, NULL);
    fj_pool_destroy(p);                 /* drains: runs the task, which aborts */
}

#ifndef NDEBUG
static void sync_other_group_only(void *p)
{
    (void)p;
    fj_group g1 = FJ_GROUP_INIT, g2 = FJ_GROUP_INIT;
    fj_spawn(&g2, nothing, NULL);
    fj_spawn(&g1, nothing, NULL);       /* on top: g2's sync pops and runs it */
    fj_sync(&g2);
}                                       /* g1's child ran, but g1 was never synced */

Test(group, task_returning_with_children_run_by_another_groups_sync_aborts_in_debug,
     .signal = SIGABRT, .timeout = 30)
{
    fj_pool *p = make_pool(1);
    fj_run(p, sync_other_group_only, NULL);
}

static void *sync_from_here(void *g)
{
    fj_sync(g);                         /* not the thread that spawned into g */
    return NULL;
}

static void hand_group_to_a_thread(void *p)
{
    (void)p;
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, nothing, NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, sync_from_here, &g) == 0)
        pthread_join(t, NULL);
    fj_sync(&g);
}

Test(group, sync_on_another_thread_than_the_spawns_aborts_in_debug,
     .signal = SIGABRT, .timeout = 30)
{
    fj_pool *p = make_pool(1);
    fj_run(p, hand_group_to_a_thread, NULL);
}
#endif
