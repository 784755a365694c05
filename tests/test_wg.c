/* test_wg.c - goroutines and wait groups: fj_go, fj_go_copy, fj_wg_* (forja.h,
 * src/wg.c, src/task.c, src/inject.c). Counts, never durations; code on
 * workers records failures in atomics that the test thread asserts on. */
#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forja.h"
#include "support.h"

static atomic_long wrong;           /* checks that failed on a worker */

static void check(int ok)
{
    if (!ok)
        atomic_fetch_add(&wrong, 1);
}

/* -------------------------------------------------------- wait for done */

struct counter { fj_wg wg; atomic_long ran; };

static void count_and_done(void *p)
{
    struct counter *c = p;
    atomic_fetch_add(&c->ran, 1);
    fj_wg_done(&c->wg);
}

Test(wg, wait_returns_after_every_task_called_done, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    struct counter c = { .ran = 0 };   /* .wg zeroed: ready */
    fj_wg_add(&c.wg, 10000);
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(fj_go(p, count_and_done, &c), 0);
    fj_wg_wait(&c.wg);
    cr_assert_eq(atomic_load(&c.ran), 10000);
    drop_pool(p);
}

Test(wg, wait_on_a_zero_counter_returns_at_once, .timeout = 30)
{
    fj_wg wg = FJ_WG_INIT;
    fj_wg_wait(&wg);
    fj_wg_add(&wg, 3);
    fj_wg_add(&wg, -3);
    fj_wg_wait(&wg);
}

/* Plain (non-atomic) writes before fj_wg_done are visible after the wait. */
struct plain { fj_wg wg; long slot[512]; };

static struct plain plain_data;

static void write_plain(void *p)
{
    size_t i = (size_t)(uintptr_t)p;
    plain_data.slot[i] = (long)i * 3 + 1;
    fj_wg_done(&plain_data.wg);
}

Test(wg, writes_before_done_are_visible_after_wait, .timeout = 60)
{
    fj_pool *p = make_pool(3);
    for (int round = 0; round < 50; round++) {
        memset(plain_data.slot, 0, sizeof plain_data.slot);
        fj_wg_add(&plain_data.wg, 512);
        for (uintptr_t i = 0; i < 512; i++)
            cr_assert_eq(fj_go(p, write_plain, (void *)i), 0);
        fj_wg_wait(&plain_data.wg);
        for (long i = 0; i < 512; i++)
            cr_assert_eq(plain_data.slot[i], i * 3 + 1, "round %d slot %ld", round, i);
    }
    drop_pool(p);
}

/* ------------------------------------------------- many outside threads */

enum { SUBMITTERS = 4, PER_SUBMITTER = 20000 };

static atomic_uchar hits[SUBMITTERS * PER_SUBMITTER];
static fj_wg submit_wg;
static fj_pool *submit_pool;
static atomic_long submit_errors;

static void hit(void *p)
{
    atomic_fetch_add(&hits[(size_t)(uintptr_t)p], 1);
    fj_wg_done(&submit_wg);
}

static void *submitter(void *p)
{
    size_t base = (size_t)(uintptr_t)p * PER_SUBMITTER;
    for (size_t i = 0; i < PER_SUBMITTER; i++)
        if (fj_go(submit_pool, hit, (void *)(uintptr_t)(base + i)) != 0) {
            atomic_fetch_add(&submit_errors, 1);
            fj_wg_done(&submit_wg);
        }
    return NULL;
}

Test(wg, tasks_from_many_outside_threads_each_run_exactly_once, .timeout = 90)
{
    submit_pool = make_pool(2);
    fj_wg_add(&submit_wg, SUBMITTERS * PER_SUBMITTER);
    pthread_t th[SUBMITTERS];
    for (uintptr_t i = 0; i < SUBMITTERS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, submitter, (void *)i), 0);
    for (int i = 0; i < SUBMITTERS; i++)
        pthread_join(th[i], NULL);
    fj_wg_wait(&submit_wg);
    cr_assert_eq(atomic_load(&submit_errors), 0);
    for (size_t i = 0; i < SUBMITTERS * PER_SUBMITTER; i++)
        cr_assert_eq(atomic_load(&hits[i]), 1, "task %zu ran %u times", i,
                     (unsigned)atomic_load(&hits[i]));
    drop_pool(submit_pool);
}

/* ------------------------------------------------------------ fj_go_copy */

static const size_t copy_sizes[] = { 0, 1, 63, 64, 65, 1000 };
enum { NSIZES = sizeof copy_sizes / sizeof copy_sizes[0] };
static atomic_int copy_ran[NSIZES];
static fj_wg copy_wg;

static unsigned char pattern(size_t i, size_t size)
{
    return (unsigned char)(i * 31u + size * 7u + 1u);
}

static void check_copy(size_t k, const void *p)
{
    size_t size = copy_sizes[k];
    if (size == 0) {
        check(p == NULL);
    } else {
        check(p != NULL);
        check((uintptr_t)p % alignof(max_align_t) == 0);
        const unsigned char *b = p;
        for (size_t i = 0; p && i < size; i++)
            check(b[i] == pattern(i, size));
    }
    atomic_fetch_add(&copy_ran[k], 1);
    fj_wg_done(&copy_wg);
}

#define COPY_FN(k) static void copy_fn_##k(void *p) { check_copy(k, p); }
COPY_FN(0) COPY_FN(1) COPY_FN(2) COPY_FN(3) COPY_FN(4) COPY_FN(5)
static const fj_fn copy_fns[NSIZES] = {
    copy_fn_0, copy_fn_1, copy_fn_2, copy_fn_3, copy_fn_4, copy_fn_5,
};

/* Submit one copy task per size, then scribble over every original. */
static int submit_copies(fj_pool *p)
{
    int err = 0;
    for (size_t k = 0; k < NSIZES; k++) {
        size_t size = copy_sizes[k];
        unsigned char *buf = size ? malloc(size) : NULL;
        for (size_t i = 0; i < size; i++)
            buf[i] = pattern(i, size);
        err |= fj_go_copy(p, copy_fns[k], buf, size);
        if (size) {
            memset(buf, 0xEE, size);
            free(buf);
        }
    }
    return err;
}

static sem_t gate_started, gate_open;

static void gate(void *p)
{
    (void)p;
    sem_post(&gate_started);
    while (sem_wait(&gate_open) != 0)
        ;
}

Test(wg, go_copy_from_outside_passes_an_aligned_copy_made_before_it_returns, .timeout = 60)
{
    fj_pool *p = make_pool(1);
    sem_init(&gate_started, 0, 0);
    sem_init(&gate_open, 0, 0);
    /* Hold the only worker so every copy task runs after its original is gone. */
    cr_assert_eq(fj_go(p, gate, NULL), 0);
    while (sem_wait(&gate_started) != 0)
        ;
    for (int round = 0; round < 3; round++) {
        fj_wg_add(&copy_wg, NSIZES);
        cr_assert_eq(submit_copies(p), 0);
    }
    sem_post(&gate_open);
    fj_wg_wait(&copy_wg);
    cr_assert_eq(atomic_load(&wrong), 0, "a copy was wrong, misaligned or not NULL for size 0");
    for (size_t k = 0; k < NSIZES; k++)
        cr_assert_eq(atomic_load(&copy_ran[k]), 3, "size %zu", copy_sizes[k]);
    drop_pool(p);
}

static void copies_from_a_task(void *p)
{
    fj_pool *pool = p;
    fj_wg_add(&copy_wg, NSIZES * 2);
    check(submit_copies(pool) == 0);   /* explicit pool: pushes to this worker */
    check(submit_copies(NULL) == 0);   /* NULL: the calling task's pool */
}

Test(wg, go_copy_from_a_task_passes_an_aligned_copy_that_outlives_the_caller, .timeout = 60)
{
    fj_pool *p = make_pool(1);          /* the children run after the task returns */
    cr_assert_eq(fj_run(p, copies_from_a_task, p), 0);
    fj_wg_wait(&copy_wg);
    cr_assert_eq(atomic_load(&wrong), 0);
    for (size_t k = 0; k < NSIZES; k++)
        cr_assert_eq(atomic_load(&copy_ran[k]), 2, "size %zu", copy_sizes[k]);
    drop_pool(p);
}

/* ------------------------------------------------------ wait in a task */

static void leaf_done(void *p)
{
    struct counter *c = p;
    atomic_fetch_add(&c->ran, 1);
    fj_wg_done(&c->wg);
}

struct level { fj_wg *parent; int levels; };

static void go_and_wait_n(int levels);

static void waiting_child(void *p)
{
    struct level *l = p;
    go_and_wait_n(l->levels);
    fj_wg_done(l->parent);
}

/* fj_go 50 leaves and, below the last level, two children that do the same;
 * then wait for all of them. */
static void go_and_wait_n(int levels)
{
    struct counter c = { .ran = 0 };   /* .wg zeroed: ready */
    struct level sub = { &c.wg, levels - 1 };
    fj_wg_add(&c.wg, 50);
    for (int i = 0; i < 50; i++)
        check(fj_go(NULL, leaf_done, &c) == 0);
    if (levels > 0) {
        fj_wg_add(&c.wg, 2);
        for (int i = 0; i < 2; i++)
            check(fj_go(NULL, waiting_child, &sub) == 0);
    }
    fj_wg_wait(&c.wg);
    check(atomic_load(&c.ran) == 50);
}

static void go_and_wait(void *p)
{
    go_and_wait_n((int)(intptr_t)p);
}

Test(wg, wait_inside_a_task_waits_for_the_tasks_it_launched, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    for (int r = 0; r < 20; r++)
        cr_assert_eq(fj_run(p, go_and_wait, (void *)(intptr_t)3), 0);
    cr_assert_eq(atomic_load(&wrong), 0);
    drop_pool(p);
}

Test(wg, wait_inside_a_task_on_a_one_worker_pool_runs_the_children_instead_of_deadlocking,
     .timeout = 60)
{
    fj_pool *p = make_pool(1);
    for (int r = 0; r < 20; r++)
        cr_assert_eq(fj_run(p, go_and_wait, (void *)(intptr_t)3), 0);
    cr_assert_eq(atomic_load(&wrong), 0);
    drop_pool(p);
}

static void wait_in_go_task(void *p)
{
    go_and_wait((void *)(intptr_t)1);
    fj_wg_done(p);
}

Test(wg, wait_inside_fj_go_tasks_on_a_one_worker_pool_completes, .timeout = 60)
{
    fj_pool *p = make_pool(1);
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, 20);
    for (int i = 0; i < 20; i++)
        cr_assert_eq(fj_go(p, wait_in_go_task, &wg), 0);
    fj_wg_wait(&wg);
    cr_assert_eq(atomic_load(&wrong), 0);
    drop_pool(p);
}

/* ------------------------------------------- wg on the waiter's stack */

struct guarded { unsigned char before[64]; struct counter c; unsigned char after[64]; };

static void done_late(void *p)
{
    struct counter *c = p;
    for (volatile int i = 0; i < 50; i++)
        ;
    atomic_fetch_add(&c->ran, 1);
    fj_wg_done(&c->wg);
}

static __attribute__((noinline)) int one_stack_wait(fj_pool *p, int tasks)
{
    struct guarded g;
    memset(&g, 0x5A, sizeof g);
    memset(&g.c, 0, sizeof g.c);
    fj_wg_add(&g.c.wg, tasks);
    for (int i = 0; i < tasks; i++)
        if (fj_go(p, done_late, &g.c) != 0)
            return 0;
    fj_wg_wait(&g.c.wg);
    int ok = atomic_load(&g.c.ran) == tasks;
    for (size_t i = 0; i < sizeof g.before; i++)
        ok &= g.before[i] == 0x5A && g.after[i] == 0x5A;
    return ok;                          /* g dies here: forja must not touch it */
}

Test(wg, wg_on_the_waiters_stack_may_die_right_after_wait, .timeout = 90)
{
    fj_pool *p = make_pool(2);
    for (int r = 0; r < 5000; r++)
        cr_assert(one_stack_wait(p, 1 + r % 3), "round %d", r);
    drop_pool(p);
}

static void stack_waits_in_a_task(void *p)
{
    (void)p;
    for (int r = 0; r < 2000; r++)
        check(one_stack_wait(NULL, 1 + r % 3));
}

Test(wg, wg_on_a_waiting_tasks_stack_may_die_right_after_wait, .timeout = 90)
{
    fj_pool *p = make_pool(2);
    cr_assert_eq(fj_run(p, stack_waits_in_a_task, NULL), 0);
    cr_assert_eq(atomic_load(&wrong), 0);
    drop_pool(p);
}

/* ------------------------------------------------ several waiters, reuse */

static fj_wg shared_wg, tasks_back;
static atomic_int about_to_wait, returned;

static void *outside_waiter(void *p)
{
    (void)p;
    atomic_fetch_add(&about_to_wait, 1);
    fj_wg_wait(&shared_wg);
    atomic_fetch_add(&returned, 1);
    return NULL;
}

static void task_waiter(void *p)
{
    (void)p;
    atomic_fetch_add(&about_to_wait, 1);
    fj_wg_wait(&shared_wg);
    atomic_fetch_add(&returned, 1);
    fj_wg_done(&tasks_back);
}

Test(wg, several_threads_and_tasks_waiting_at_once_are_all_released, .timeout = 60)
{
    fj_pool *p = make_pool(3);
    fj_wg_add(&shared_wg, 1);
    fj_wg_add(&tasks_back, 2);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, outside_waiter, NULL), 0);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(fj_go(p, task_waiter, NULL), 0);
    while (atomic_load(&about_to_wait) < 6)
        sched_yield();
    usleep(20000);                      /* let them reach the futex */
    cr_assert_eq(atomic_load(&returned), 0, "no wait returns while the counter is 1");
    fj_wg_done(&shared_wg);             /* from a thread outside the pool */
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    fj_wg_wait(&tasks_back);
    cr_assert_eq(atomic_load(&returned), 6);
    drop_pool(p);
}

/* Only in-task waiters, and their worker asleep: the release has no futex
 * waiter to wake and must still wake the parked worker (sleep.c [S4]). */
static fj_wg lone_wg, lone_back;
static atomic_int lone_started;

static void lone_task_waiter(void *p)
{
    (void)p;
    atomic_store(&lone_started, 1);
    fj_wg_wait(&lone_wg);
    fj_wg_done(&lone_back);
}

/* p's fj_stats.sleeps once it exceeds n (counted before a worker sleeps:
 * sleep.c). */
static uint64_t sleeps_past(fj_pool *p, uint64_t n)
{
    fj_stats s;
    do {
        usleep(1000);
        cr_assert_eq(fj_pool_stats(p, &s), 0);
    } while (s.sleeps <= n);
    return s.sleeps;
}

Test(wg, a_parked_in_task_waiter_is_woken_by_a_release_from_outside, .timeout = 60)
{
    fj_pool *p = make_pool(1);
    uint64_t slept = sleeps_past(p, 0); /* the idle worker has slept */
    fj_wg_add(&lone_wg, 1);
    fj_wg_add(&lone_back, 1);
    cr_assert_eq(fj_go(p, lone_task_waiter, NULL), 0);
    while (!atomic_load(&lone_started))
        sched_yield();
    sleeps_past(p, slept);              /* it sleeps again: in the wait */
    fj_wg_done(&lone_wg);               /* from outside; nobody on its futex */
    fj_wg_wait(&lone_back);
    drop_pool(p);
}

Test(wg, a_wait_group_is_reusable_after_wait_returns, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    struct counter c = { .ran = 0 };   /* .wg zeroed: ready */
    for (int round = 1; round <= 200; round++) {
        fj_wg_add(&c.wg, 25);
        for (int i = 0; i < 25; i++)
            cr_assert_eq(fj_go(p, count_and_done, &c), 0);
        fj_wg_wait(&c.wg);
        cr_assert_eq(atomic_load(&c.ran), 25L * round);
    }
    drop_pool(p);
}

/* A worker that meets a large counter claims 64 dones at once into a line of
 * its own (wg.c); the rest of the pool and outside threads still take those
 * units: here one task's done claims, and main's add takes the other 63
 * back from the worker's line. Were they stranded there, the wait would
 * never return. */
struct claim { fj_wg wg; fj_wg ran; };

static void done_then_report(void *p)
{
    struct claim *c = p;
    fj_wg_done(&c->wg);
    fj_wg_done(&c->ran);
}

static void claim_then_take_back(long back)
{
    fj_pool *p = make_pool(1);
    static struct claim c;              /* zeroed: ready */
    fj_wg_add(&c.wg, 130);
    fj_wg_add(&c.ran, 1);
    cr_assert_eq(fj_go(p, done_then_report, &c), 0);
    fj_wg_wait(&c.ran);
    fj_wg_add(&c.wg, -back);
    fj_wg_wait(&c.wg);
    drop_pool(p);
}

Test(wg, dones_a_worker_claimed_ahead_are_taken_by_other_threads, .timeout = 30)
{
    claim_then_take_back(129);
}

/* Two threads take k units each, at once, from a count of 2k with U < k (a
 * task's done claimed 64 into its worker's shard: U = 2k - 63), so both
 * would collect: one does, the other waits for it (wg.c I6: one collector
 * at a time), then takes its k. Both return, the count is zero, every
 * round. */
enum { HALF_K = 40 };

static fj_wg halves_wg;

static void claim_ahead(void *p)
{
    (void)p;
    fj_wg_done(&halves_wg);
}

static void take_half(void *p)
{
    (void)p;
    fj_wg_add(&halves_wg, -HALF_K);
}

Test(wg, two_adds_that_each_take_half_at_once_both_return, .timeout = 60)
{
    fj_pool *p = make_pool(1);
    for (int r = 0; r < 500; r++) {
        fj_wg_add(&halves_wg, 2 * HALF_K + 1);
        cr_assert_eq(fj_run(p, claim_ahead, NULL), 0);     /* U is 2k - 63 = 17 */
        cr_assert_eq(on_two_threads_at_once(take_half, NULL), 0);
        fj_wg_wait(&halves_wg);
    }
    drop_pool(p);
}

/* --------------------------------------------------------------- misuse */

Test(wg, done_on_a_zero_counter_aborts, .signal = SIGABRT)
{
    fj_wg wg = FJ_WG_INIT;
    fj_wg_done(&wg);
}

Test(wg, adding_below_zero_aborts, .signal = SIGABRT)
{
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, 2);
    fj_wg_add(&wg, -3);
}

Test(wg, one_done_too_many_from_a_task_aborts, .signal = SIGABRT, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    struct counter c = { .ran = 0 };   /* .wg zeroed: ready */
    fj_wg_add(&c.wg, 1);
    fj_go(p, count_and_done, &c);
    fj_go(p, count_and_done, &c);       /* the second done takes it below zero */
    fj_pool_destroy(p);
}

Test(wg, adding_below_zero_aborts_when_a_worker_holds_claimed_dones,
     .signal = SIGABRT, .timeout = 30)
{
    claim_then_take_back(130);
}

Test(wg, adding_above_int32_max_aborts, .signal = SIGABRT)
{
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, INT32_MAX);
    fj_wg_add(&wg, 1);
}

Test(wg, adding_more_than_int32_max_at_once_aborts, .signal = SIGABRT)
{
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, (long)INT32_MAX + 1);
}

Test(wg, counter_up_to_int32_max_is_allowed)
{
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, INT32_MAX);
    fj_wg_add(&wg, -INT32_MAX);
    fj_wg_wait(&wg);
}

Test(wg, go_with_a_null_fn_returns_einval_and_queues_nothing, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    cr_assert_eq(fj_go(p, NULL, NULL), EINVAL);
    cr_assert_eq(fj_go_copy(p, NULL, "x", 1), EINVAL);
    drop_pool(p);
}
