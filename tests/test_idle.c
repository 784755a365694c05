/* test_idle.c - idle workers sleep (src/sleep.c): a pool with nothing to do
 * burns (almost) no CPU. The bound, 0.05 s of CPU over about 1 s of idleness
 * for the whole process, is a generous limit on a resource count, not a
 * measure of speed: a worker that kept spinning would use about 1 s.
 * And waking them is claimed (I4): never more wake-ups than returns from
 * park, however fast an outside thread posts. */
#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#include "forja.h"
#include "atomics.h"                /* src/: reading the pool's hint */
#include "os.h"                     /* src/: fji_os_asym */
#include "pool.h"                   /* src/: the sleep word's test counts */
#include "support.h"

static double cpu_seconds(void)
{
    struct rusage ru;
    cr_assert_eq(getrusage(RUSAGE_SELF, &ru), 0);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void sleep_one_second(void)
{
    struct timespec ts = { 1, 0 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static fj_wg wg;
static atomic_long ran;

static void tick(void *p)
{
    (void)p;
    atomic_fetch_add(&ran, 1);
    fj_wg_done(&wg);
}

/* n fj_go of tick from this thread, waited for; every one ran. */
static void run_ticks(fj_pool *p, int n)
{
    atomic_store(&ran, 0);
    fj_wg_add(&wg, n);
    for (int i = 0; i < n; i++)
        cr_assert_eq(fj_go(p, tick, NULL), 0);
    fj_wg_wait(&wg);
    cr_assert_eq(atomic_load(&ran), n);
}

static void idle_cpu_check(fj_pool *p)
{
    double before = cpu_seconds();
    sleep_one_second();
    double used = cpu_seconds() - before;
    cr_assert_lt(used, 0.05, "an idle pool of %u workers used %.3f s of CPU in 1 s",
                 fj_pool_size(p), used);
}

Test(idle, a_fresh_pool_with_nothing_to_do_uses_almost_no_cpu, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    idle_cpu_check(p);
    cr_assert_eq(fj_pool_destroy(p), 0);
}

Test(idle, a_pool_that_ran_work_and_went_idle_uses_almost_no_cpu, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    struct fib f = { 22, 0 };
    cr_assert_eq(fj_run(p, fib_task, &f), 0);
    cr_assert_eq(f.r, 17711);
    run_ticks(p, 1000);
    idle_cpu_check(p);
    cr_assert_eq(fj_pool_destroy(p), 0);
}

/* A task long enough that its fj_run caller outside the pool stops spinning
 * and sleeps (go.c RUN_SPINS is about 19 us): the trampoline that wakes it
 * sets a deadline (go.c [G2]) until which idle workers yield without
 * parking, so a deadline that never passed would keep the pool busy. */
static void busy_200us(void *arg)
{
    (void)arg;
    spin_ns(200000);
}

static void *sleeping_caller(void *pool)
{
    for (int i = 0; i < 200; i++)
        if (fj_run(pool, busy_200us, NULL) != 0)
            return pool;                    /* an error: the test fails */
    return NULL;
}

Test(idle, a_pool_goes_idle_after_many_fj_run_callers_slept_and_were_woken,
     .timeout = 60)
{
    fj_pool *p = make_pool(2);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, sleeping_caller, p), 0);
    for (int i = 0; i < 2; i++) {
        void *r;
        cr_assert_eq(pthread_join(t[i], &r), 0);
        cr_assert_null(r, "fj_run failed");
    }
    idle_cpu_check(p);
    cr_assert_lt(fji_load_relaxed_64(&p->caller_yield_until), fji_now_ns(),
                 "the workers' yield deadline is still ahead with no fj_run in progress");
    cr_assert_eq(fj_pool_destroy(p), 0);
}

/* fj_stats.sleeps: "times a worker went to sleep", exact once the pool is
 * idle. After a second with nothing to do, every worker has gone to sleep. */
Test(idle, stats_count_a_sleep_for_every_worker_of_an_idle_pool, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    sleep_one_second();
    fj_stats s;
    cr_assert_eq(fj_pool_stats(p, &s), 0);
    cr_assert_geq(s.sleeps, 2, "2 idle workers, %llu sleeps counted",
                  (unsigned long long)s.sleeps);
    cr_assert_eq(fj_pool_destroy(p), 0);
}

/* One of the sleep word's counts, read after fji_sleep_quiet (sleep.h). */
static uint64_t counted(const uint64_t *c)
{
    return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Until all the pool's workers are parked and no claimed wake-up is in
 * flight (support.h poll_until). */
static int quiet_cond(const void *p)
{
    const fj_pool *pool = p;
    return fji_sleep_quiet(&pool->sleep, pool->size);
}

static void wait_quiet(fj_pool *p)
{
    cr_assert(poll_until(quiet_cond, p), "the pool's %u workers never all parked", p->size);
}

/* sleep.c I4: a wake-up is claimed (woken += 1, while woken < parked) and
 * ends when a worker comes back from park, so claims never outnumber
 * returns. Before the claim, each
 * fj_go pushed while the woken worker was still on its way woke again: some
 * 200 wake-ups per million pushes at one worker, once 27000. Rounds of
 * 20000 fj_go from outside into a pool that parked in between make a claim
 * every round; the count is exact (both are atomic adds) and read when the
 * pool is quiet. Run in both protocols of [S1] (os.c): the default
 * (membarrier where the kernel has it) and the fenced one. */
static void burst_claims_at_most_one_wake_up_per_return(void)
{
    for (unsigned workers = 1; workers <= 2; workers++) {
        fj_pool *p = make_pool(workers);
        wait_quiet(p);
        uint64_t c0 = counted(&p->sleep.claims), r0 = counted(&p->sleep.returns);
        for (int round = 0; round < 20; round++) {
            run_ticks(p, 20000);
            wait_quiet(p);
        }
        uint64_t claims = counted(&p->sleep.claims) - c0;
        uint64_t returns = counted(&p->sleep.returns) - r0;
        cr_assert_geq(claims, 20, "%u workers: 20 rounds into a parked pool, %llu wake-ups",
                      workers, (unsigned long long)claims);
        cr_assert_leq(claims, returns, "%u workers: %llu wake-ups claimed, %llu returns from park",
                      workers, (unsigned long long)claims, (unsigned long long)returns);
        drop_pool(p);
    }
}

Test(idle, an_outside_burst_claims_at_most_one_wake_up_per_return_from_park, .timeout = 60)
{
    burst_claims_at_most_one_wake_up_per_return();
}

/* The same with FORJA_MEMBARRIER=0, set before this test's process creates
 * its first pool (Criterion runs each test in a process of its own; os.c
 * decides the protocol once, at the first pool). Skipped if a pool made
 * earlier in the process has decided it already. */
Test(idle, the_same_burst_with_the_fenced_protocol, .timeout = 60)
{
    cr_assert_eq(setenv("FORJA_MEMBARRIER", "0", 1), 0);
    drop_pool(make_pool(1));                    /* os.c decides now */
    if (fji_os_asym)
        cr_skip_test("the protocol was chosen before this test (run it in its own process)");
    burst_claims_at_most_one_wake_up_per_return();
}

/* sleep.c I4, [S5]: a burst of fj_go from a busy worker into a parked pool
 * wakes parked workers in parallel, one claim per post up to the parked
 * count, not one at a time. A task on one of 4 workers posts 3 tasks while
 * the other 3 are parked (or on their way back) and counts the claims its
 * posts make. Each post claims unless a woken worker has already started
 * searching, which takes a wake-up's latency, against well under a
 * microsecond for the 3 posts; the rounds' total must be above 0, where one
 * claim in flight at a time (a WAKING bit, 426e4a1) made it 0: the worker
 * that ran the burst had claimed the only wake-up itself when it found its
 * task (I3). About 2 claims per burst of 3 on 2 CPUs. */
static atomic_int burst_release;
static atomic_ullong burst_claims;

static void burst_member(void *arg)
{
    (void)arg;
    while (!atomic_load(&burst_release))
        fji_cpu_relax();                        /* busy: keeps its worker */
    fj_wg_done(&wg);
}

static void burst_poster(void *arg)
{
    fj_pool *p = arg;
    uint64_t c0 = counted(&p->sleep.claims);
    for (unsigned i = 1; i < p->size; i++)
        cr_assert_eq(fj_go(p, burst_member, NULL), 0);
    atomic_fetch_add(&burst_claims, counted(&p->sleep.claims) - c0);
    atomic_store(&burst_release, 1);
    fj_wg_done(&wg);
}

Test(idle, a_burst_from_a_worker_wakes_parked_workers_in_parallel, .timeout = 60)
{
    fj_pool *p = make_pool(4);
    for (int round = 0; round < 20; round++) {
        wait_quiet(p);
        atomic_store(&burst_release, 0);
        fj_wg_add(&wg, 4);
        cr_assert_eq(fj_go(p, burst_poster, p), 0);
        fj_wg_wait(&wg);
    }
    cr_assert_gt(atomic_load(&burst_claims), 0,
                 "20 bursts of 3 fj_go into 3 parked workers claimed no wake-up: "
                 "the pool woke one worker at a time");
    drop_pool(p);
}
