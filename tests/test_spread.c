/* test_spread.c - awake workers of an unpinned pool on distinct CPUs
 * (src/spread.c): when a worker's CPU counts as taken, where a move takes a
 * thread and that it keeps the thread's own mask (I1), that affinity set on
 * workers after create is kept, and which pools spread. Where the kernel
 * puts threads is not asserted: only what forja decides and leaves. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "forja.h"
#include "atomics.h"
#include "os.h"                     /* src/: fji_os_move_off */
#include "pool.h"                   /* src/: the workers' published CPUs */
#include "spread.h"
#include "support.h"
#include "worker.h"

static cpu_set_t my_mask(void)
{
    cpu_set_t m;
    CPU_ZERO(&m);
    cr_assert_eq(pthread_getaffinity_np(pthread_self(), sizeof m, &m), 0);
    return m;
}

/* The first two CPUs of this thread's mask; -1 where there are fewer. */
static void two_cpus(int *a, int *b)
{
    cpu_set_t m = my_mask();
    *a = *b = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &m)) {
            if (*a < 0)
                *a = c;
            else if (*b < 0)
                *b = c;
        }
}

/* A pool object with n workers that publish cpus[i]; no threads. */
struct fake { fj_pool pool; fji_worker w[4]; };

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

Test(spread, a_cpu_is_taken_only_by_another_awake_worker)
{
    int cpus[3] = { 3, 3, FJI_CPU_PARKED };
    struct fake f;
    fake_init(&f, 3, cpus);
    cr_assert(fji_spread_clash(&f.pool, &f.w[0], 3), "worker 1 is awake on 3");
    cr_assert_not(fji_spread_clash(&f.pool, &f.w[0], 5), "nobody on 5");
    f.w[1].cpu = FJI_CPU_PARKED;
    cr_assert_not(fji_spread_clash(&f.pool, &f.w[0], 3), "its own CPU, the other parked");
    cr_assert_not(fji_spread_clash(&f.pool, &f.w[2], FJI_CPU_PARKED),
                  "an unknown CPU is never a clash");
}

/* fji_os_move_off from a fresh thread, with taken() refusing the CPUs in
 * refuse; the result and whether the thread's mask came back unchanged. */
struct move { int me; cpu_set_t refuse; int to; int kept; };

static bool refused(int cpu, void *ctx)
{
    return CPU_ISSET(cpu, &((struct move *)ctx)->refuse);
}

static void *mover(void *arg)
{
    struct move *m = arg;
    cpu_set_t before = my_mask();
    m->to = fji_os_move_off(m->me, refused, m);
    cpu_set_t after = my_mask();
    m->kept = CPU_EQUAL(&before, &after);
    return NULL;
}

static struct move run_mover(int me, const cpu_set_t *refuse, const cpu_set_t *mask)
{
    struct move m = { .me = me, .refuse = *refuse };
    pthread_attr_t attr;
    cr_assert_eq(pthread_attr_init(&attr), 0);
    cr_assert_eq(pthread_attr_setaffinity_np(&attr, sizeof *mask, mask), 0);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, &attr, mover, &m), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    return m;
}

Test(spread, a_move_goes_to_a_free_cpu_of_the_mask_and_keeps_the_mask)
{
    int a, b;
    two_cpus(&a, &b);
    if (b < 0)
        cr_skip_test("needs 2 CPUs");
    cpu_set_t none, mask = my_mask();
    CPU_ZERO(&none);
    struct move m = run_mover(a, &none, &mask);
    cr_assert_geq(m.to, 0);
    cr_assert_neq(m.to, a, "moved onto the CPU it leaves");
    cr_assert(CPU_ISSET(m.to, &mask), "CPU %d is outside the mask", m.to);
    cr_assert(m.kept, "the thread was left with another mask");
    /* With 3 or more CPUs, from a mask of two of them: the move must give
     * back that mask, not the process's (on 2 CPUs they are the same). */
    cpu_set_t pair;
    CPU_ZERO(&pair);
    CPU_SET(a, &pair);
    CPU_SET(b, &pair);
    if (CPU_COUNT(&mask) >= 3) {
        m = run_mover(a, &none, &pair);
        cr_assert_eq(m.to, b);
        cr_assert(m.kept, "a two-CPU mask was not given back");
    }
}

Test(spread, no_move_when_every_other_cpu_of_the_mask_is_taken)
{
    int a, b;
    two_cpus(&a, &b);
    if (b < 0)
        cr_skip_test("needs 2 CPUs");
    cpu_set_t mask = my_mask(), all = mask, only_a;
    struct move m = run_mover(a, &all, &mask);      /* every CPU refused */
    cr_assert_eq(m.to, -1);
    cr_assert(m.kept);
    CPU_ZERO(&only_a);                              /* a mask of one CPU */
    CPU_SET(a, &only_a);
    cpu_set_t none;
    CPU_ZERO(&none);
    m = run_mover(a, &none, &only_a);
    cr_assert_eq(m.to, -1, "moved out of its own mask");
    cr_assert(m.kept, "a narrowed mask was widened");
}

Test(spread, only_unpinned_pools_with_a_worker_per_cpu_at_most_spread)
{
    unsigned cpus = fji_os_cpu_count();
    cr_assert_not(fji_spread_wanted(true, 2), "pinned");
    cr_assert_not(fji_spread_wanted(false, 1), "one worker");
    cr_assert_not(fji_spread_wanted(false, cpus + 1), "more workers than CPUs");
    cr_assert_eq(fji_spread_wanted(false, 2), cpus >= 2);
}

/* Rounds of parking (2 ms idle) and waking (a fork-join tree and a few
 * fj_go), so that workers return from sleeps and may clash. */
static void nothing(void *arg) { (void)arg; }

static void park_and_wake(fj_pool *p, int rounds)
{
    for (int round = 0; round < rounds; round++) {
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
        struct fib f = { 20, 0 };
        cr_assert_eq(fj_run(p, fib_task, &f), 0);
        cr_assert_eq(f.r, 6765);
        for (int i = 0; i < 8; i++)
            cr_assert_eq(fj_go(p, nothing, NULL), 0);
    }
}

static cpu_set_t worker_mask(fj_pool *p, unsigned i)
{
    cpu_set_t m;
    CPU_ZERO(&m);
    cr_assert_eq(pthread_getaffinity_np(p->workers[i].thread, sizeof m, &m), 0);
    return m;
}

Test(spread, workers_keep_their_mask_through_parks_and_wake_ups, .timeout = 60)
{
    unsigned n = fji_os_cpu_count() >= 2 ? 2 : 1;
    fj_pool *p = make_pool(n);
    cpu_set_t want = my_mask();
    park_and_wake(p, 20);
    for (unsigned i = 0; i < p->size; i++) {
        cpu_set_t now = worker_mask(p, i);
        cr_assert(CPU_EQUAL(&now, &want), "worker %u is left with another mask", i);
    }
    struct timespec ts = { 0, 50000000 };           /* 50 ms: all parked */
    nanosleep(&ts, NULL);
    for (unsigned i = 0; i < p->size; i++)
        cr_assert_eq((int32_t)fji_load_relaxed_32((uint32_t *)&p->workers[i].cpu),
                     FJI_CPU_PARKED, "worker %u", i);
    cr_assert_eq(fj_pool_destroy(p), 0);
}

/* Found in review: a move restored the mask taken at load, so workers that
 * the program narrowed to one CPU after create were spread out again. */
Test(spread, affinity_set_on_workers_after_create_is_kept, .timeout = 60)
{
    int a, b;
    two_cpus(&a, &b);
    if (b < 0)
        cr_skip_test("needs 2 CPUs");
    fj_pool *p = make_pool(2);
    while (!fji_sleep_quiet(&p->sleep, 2)) {        /* both started (and unpinned */
        struct timespec ts = { 0, 1000000 };        /* themselves: worker.c), parked */
        nanosleep(&ts, NULL);
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(a, &one);
    for (unsigned i = 0; i < p->size; i++)
        cr_assert_eq(pthread_setaffinity_np(p->workers[i].thread, sizeof one, &one), 0);
    park_and_wake(p, 30);
    for (unsigned i = 0; i < p->size; i++) {
        cpu_set_t now = worker_mask(p, i);
        cr_assert(CPU_EQUAL(&now, &one), "worker %u: its one-CPU mask was changed", i);
    }
    cr_assert_eq(fj_pool_destroy(p), 0);
}
