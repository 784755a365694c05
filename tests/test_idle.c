/* test_idle.c - idle workers sleep (src/sleep.c): a pool with nothing to do
 * burns (almost) no CPU. The bound, 0.05 s of CPU over about 1 s of idleness
 * for the whole process, is a generous limit on a resource count, not a
 * measure of speed: a worker that kept spinning would use about 1 s. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#include "forja.h"
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
    fj_wg_add(&wg, 1000);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(fj_go(p, tick, NULL), 0);
    fj_wg_wait(&wg);
    cr_assert_eq(atomic_load(&ran), 1000);
    idle_cpu_check(p);
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
