/* test_spread.c - awake workers of an unpinned pool on distinct CPUs
 * (src/spread.c): which CPU a worker that finds its CPU taken moves to, that
 * a move leaves it unpinned (I1), and when a pool spreads at all. Where the
 * kernel puts threads is not asserted: only what forja decides and leaves. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "forja.h"
#include "os.h"                     /* src/: fji_os_move_to, fji_os_next_cpu */
#include "pool.h"                   /* src/: the workers' published CPUs */
#include "spread.h"
#include "support.h"
#include "worker.h"

static cpu_set_t process_mask(void)
{
    cpu_set_t m;
    CPU_ZERO(&m);
    cr_assert_eq(sched_getaffinity(0, sizeof m, &m), 0);
    return m;
}

/* A pool object with n workers that publish cpus[i]; no threads. */
struct fake { fj_pool pool; fji_worker w[64]; };

static void fake_init(struct fake *f, unsigned n, const int *cpus)
{
    memset(f, 0, sizeof *f);
    f->pool.size = n;
    f->pool.workers = f->w;
    for (unsigned i = 0; i < n; i++) {
        f->w[i].pool = &f->pool;
        f->w[i].cpu = cpus[i];
    }
}

Test(spread, a_worker_alone_on_its_cpu_stays)
{
    int first = fji_os_next_cpu(-1);
    cr_assert_geq(first, 0, "the process mask is unknown");
    int cpus[3] = { first, FJI_CPU_PARKED, FJI_CPU_PARKED };
    struct fake f;
    fake_init(&f, 3, cpus);
    /* worker 0 on `first`; the others parked: no clash, parked ones ignored */
    cr_assert_eq(fji_spread_target(&f.pool, &f.w[0], first), -1);
    cr_assert_eq(fji_spread_target(&f.pool, &f.w[0], -1), -1, "unknown CPU: no move");
}

Test(spread, a_worker_on_a_taken_cpu_moves_to_a_free_one)
{
    int first = fji_os_next_cpu(-1), second = fji_os_next_cpu(first);
    if (second < 0)
        cr_skip_test("needs 2 CPUs");
    int cpus[2] = { first, first };      /* both published the first CPU */
    struct fake f;
    fake_init(&f, 2, cpus);
    int to = fji_spread_target(&f.pool, &f.w[1], first);
    cr_assert_geq(to, 0);
    cr_assert_neq(to, first);
    cpu_set_t m = process_mask();
    cr_assert(CPU_ISSET(to, &m), "CPU %d is not one of the process's", to);
}

Test(spread, no_move_when_every_cpu_has_an_awake_worker)
{
    int cpus[64], n = 0;
    for (int c = fji_os_next_cpu(-1); c >= 0 && n < 63; c = fji_os_next_cpu(c))
        cpus[n++] = c;
    if (n < 2 || fji_os_next_cpu(cpus[n - 1]) >= 0)
        cr_skip_test("needs 2 to 63 CPUs");
    cpus[n] = cpus[0];                   /* one more worker, on the first CPU */
    struct fake f;
    fake_init(&f, (unsigned)n + 1, cpus);
    cr_assert_eq(fji_spread_target(&f.pool, &f.w[n], cpus[0]), -1);
}

/* I1: a move migrates the caller and leaves it with the process's mask. */
struct move { int to; cpu_set_t want; };

static void *mover(void *arg)
{
    struct move *m = arg;
    bool moved = fji_os_move_to(m->to);
    cpu_set_t now;
    CPU_ZERO(&now);
    if (!moved || pthread_getaffinity_np(pthread_self(), sizeof now, &now) != 0 ||
        !CPU_EQUAL(&now, &m->want))
        return arg;                      /* failed */
    return NULL;
}

Test(spread, a_move_leaves_the_thread_on_every_cpu_of_the_process)
{
    int second = fji_os_next_cpu(fji_os_next_cpu(-1));
    if (second < 0)
        cr_skip_test("needs 2 CPUs");
    struct move m = { second, process_mask() };     /* this thread's: the process's */
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, mover, &m), 0);
    void *r;
    cr_assert_eq(pthread_join(t, &r), 0);
    cr_assert_null(r, "move_to failed, or left a narrower mask");
    cr_assert_not(fji_os_move_to(-1));
    cr_assert_not(fji_os_move_to(CPU_SETSIZE));
}

Test(spread, only_unpinned_pools_with_a_worker_per_cpu_at_most_spread)
{
    unsigned cpus = fji_os_cpu_count();
    cr_assert_not(fji_spread_wanted(true, 2), "pinned");
    cr_assert_not(fji_spread_wanted(false, 1), "one worker");
    cr_assert_not(fji_spread_wanted(false, cpus + 1), "more workers than CPUs");
    cr_assert_eq(fji_spread_wanted(false, 2), cpus >= 2);
}

/* After parks and wake-ups, every worker thread still has the process's
 * mask (I1), and a parked worker publishes no CPU. */
static void nothing(void *arg) { (void)arg; }

Test(spread, workers_of_a_busy_then_idle_pool_stay_unpinned, .timeout = 60)
{
    unsigned n = fji_os_cpu_count() >= 2 ? 2 : 1;
    fj_pool *p = make_pool(n);
    cpu_set_t want = process_mask();
    for (int round = 0; round < 20; round++) {
        struct timespec ts = { 0, 2000000 };        /* 2 ms: every worker parks */
        nanosleep(&ts, NULL);
        struct fib f = { 20, 0 };
        cr_assert_eq(fj_run(p, fib_task, &f), 0);
        cr_assert_eq(f.r, 6765);
        for (int i = 0; i < 8; i++)
            cr_assert_eq(fj_go(p, nothing, NULL), 0);
    }
    for (unsigned i = 0; i < p->size; i++) {
        cpu_set_t now;
        CPU_ZERO(&now);
        cr_assert_eq(pthread_getaffinity_np(p->workers[i].thread, sizeof now, &now), 0);
        cr_assert(CPU_EQUAL(&now, &want), "worker %u is left with a narrower mask", i);
    }
    struct timespec ts = { 0, 50000000 };           /* 50 ms: all parked */
    nanosleep(&ts, NULL);
    for (unsigned i = 0; i < p->size; i++)
        cr_assert_eq(p->workers[i].cpu, FJI_CPU_PARKED, "worker %u", i);
    cr_assert_eq(fj_pool_destroy(p), 0);
}
