/* test_misuse.c - hostile and out-of-order use of every public function:
 * what tests/test_errors.c (the EINVAL/ENOMEM table) and the per-concept
 * suites do not cover.
 *
 *   aborts     a table of misuse that can only be a bug - a pool destroyed
 *              twice, used after fj_pool_destroy returned, never created; a
 *              wait-group delta out of range - each run in a child process:
 *              it must die of SIGABRT with a message naming the mistake
 *              (debug builds: NDEBUG undefined, as in every test build);
 *              and two fj_wg_add(-n) past zero at once, a race, in 200
 *              children.
 *   edges      huge and boundary arguments that are valid: ranges ending at
 *              SIZE_MAX, grain SIZE_MAX, copies of 0 to 4096 bytes, absurd
 *              stack sizes and pin values, a SIZE_MAX accumulator.
 *   order      calls in unusual orders: sync twice, sync without spawn from
 *              outside, fj_run nested across pools, destroy right after
 *              create, stats of an idle pool, a wait group reused at once.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forja.h"
#include "support.h"

static void nothing(void *p) { (void)p; }
static void body_nothing(size_t lo, size_t hi, void *a) { (void)lo; (void)hi; (void)a; }
static void rbody_nothing(size_t lo, size_t hi, void *acc, void *a)
{
    (void)lo; (void)hi; (void)acc; (void)a;
}
static void combine_nothing(void *acc, const void *r, void *a) { (void)acc; (void)r; (void)a; }

static fj_pool *dead_pool(void)
{
    fj_pool *p = NULL;
    fj_config c = { .workers = 1 };
    if (fj_pool_create(&p, &c) != 0 || fj_pool_destroy(p) != 0)
        _exit(90);
    return p;                           /* dangling: freed by destroy */
}

static fj_pool *bogus_pool(void)
{
    static alignas(64) unsigned char fake[4096];   /* never a pool */
    memset(fake, 0x42, sizeof fake);
    return (fj_pool *)(void *)fake;
}

/* ------------------------------------------------------------- aborts */

static void destroy_twice(void)       { fj_pool *p = dead_pool(); fj_pool_destroy(p); }
static void destroy_bogus(void)       { fj_pool_destroy(bogus_pool()); }
static void go_after_destroy(void)    { fj_go(dead_pool(), nothing, NULL); }
static void go_copy_after_destroy(void) { fj_go_copy(dead_pool(), nothing, "abc", 3); }
static void run_after_destroy(void)   { fj_run(dead_pool(), nothing, NULL); }
static void for_after_destroy(void)   { fj_for(dead_pool(), 0, 10, 1, body_nothing, NULL); }
static void reduce_after_destroy(void)
{
    long acc = 0, id = 0;
    fj_reduce(dead_pool(), 0, 10, 1, &acc, sizeof acc, &id, rbody_nothing, combine_nothing, NULL);
}
static void size_after_destroy(void)  { (void)fj_pool_size(dead_pool()); }
static void stats_after_destroy(void) { fj_stats s; fj_pool_stats(dead_pool(), &s); }
static void go_bogus(void)            { fj_go(bogus_pool(), nothing, NULL); }
static void run_bogus(void)           { fj_run(bogus_pool(), nothing, NULL); }
static void stats_bogus(void)         { fj_stats s; fj_pool_stats(bogus_pool(), &s); }
static void wg_add_long_min(void)     { fj_wg wg = FJ_WG_INIT; fj_wg_add(&wg, LONG_MIN); }
static void wg_add_long_max(void)     { fj_wg wg = FJ_WG_INIT; fj_wg_add(&wg, LONG_MAX); }
static void wg_add_minus_int32_max_minus_1(void)
{
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, INT32_MAX);
    fj_wg_add(&wg, -(long)INT32_MAX - 1);   /* out of range, even though the counter could take it */
}
static void wg_done_after_wait(void)
{
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, 1);
    fj_wg_done(&wg);
    fj_wg_wait(&wg);
    fj_wg_done(&wg);                    /* one done too many, after the round */
}

struct abort_row { const char *what; void (*call)(void); const char *message; };

static const struct abort_row aborts[] = {
    { "fj_pool_destroy twice",                 destroy_twice,        "fj_pool_destroy: not a live pool" },
    { "fj_pool_destroy of a never-created pool", destroy_bogus,      "fj_pool_destroy: not a live pool" },
    { "fj_go after destroy",                   go_after_destroy,     "not a live pool" },
    { "fj_go_copy after destroy",              go_copy_after_destroy, "not a live pool" },
    { "fj_run after destroy",                  run_after_destroy,    "not a live pool" },
    { "fj_for after destroy",                  for_after_destroy,    "not a live pool" },
    { "fj_reduce after destroy",               reduce_after_destroy, "not a live pool" },
    { "fj_pool_size after destroy",            size_after_destroy,   "not a live pool" },
    { "fj_pool_stats after destroy",           stats_after_destroy,  "not a live pool" },
    { "fj_go on a never-created pool",         go_bogus,             "not a live pool" },
    { "fj_run on a never-created pool",        run_bogus,            "not a live pool" },
    { "fj_pool_stats on a never-created pool", stats_bogus,          "not a live pool" },
    { "fj_wg_add(LONG_MIN)",                   wg_add_long_min,      "fj_wg_add: delta out of range" },
    { "fj_wg_add(LONG_MAX)",                   wg_add_long_max,      "fj_wg_add: delta out of range" },
    { "fj_wg_add(-INT32_MAX - 1)",             wg_add_minus_int32_max_minus_1, "fj_wg_add: delta out of range" },
    { "fj_wg_done after the wait returned",    wg_done_after_wait,   "below zero" },
};

/* A forked child's body (support.h: expect_abort): the row's call, which
 * should abort; 0 if it returned. */
static int call_row(const void *arg)
{
    const struct abort_row *row = arg;
    row->call();
    return 0;                           /* it returned: no abort */
}

Test(misuse, every_misuse_that_can_only_be_a_bug_aborts_a_forked_child_naming_it, .timeout = 120)
{
#ifdef NDEBUG
    cr_skip_test("release build: these cases are undefined behaviour, not checked");
#endif
    for (size_t i = 0; i < sizeof aborts / sizeof *aborts; i++)
        expect_abort(aborts[i].what, call_row, &aborts[i], aborts[i].message);
}

/* Two threads call fj_wg_add(-k) at once on a count of k that U cannot
 * cover (a worker's done claimed 64 units into its shard: wg.c), so each
 * may collect (wg.c I6). One takes the k units; the other must abort
 * naming "below zero". Before COLLECTING both could collect: each held a
 * token, counted the other's, and waited for units neither had: in 8 of
 * 40 runs of a reviewer's program, and here in 26 runs of 26, within 17
 * children (2 cores). A child per round (the first abort ends it); alarm
 * turns a hang into SIGALRM. */
enum { OVERTAKE_K = 1000, OVERTAKE_ROUNDS = 200 };

static fj_wg overtake_wg;

static void claim_one(void *p)
{
    (void)p;
    fj_wg_done(&overtake_wg);           /* U > 64: claims 64, keeps 63 in its shard */
}

static void overtake(void *p)
{
    (void)p;
    fj_wg_add(&overtake_wg, -OVERTAKE_K);
}

static int two_overtakers(const void *unused)
{
    (void)unused;
    alarm(10);
    fj_pool *p = NULL;
    fj_config c = { .workers = 1 };
    if (fj_pool_create(&p, &c) != 0)
        return 91;
    fj_wg_add(&overtake_wg, OVERTAKE_K + 1);
    if (fj_run(p, claim_one, NULL) != 0)    /* the count is k, U is k - 63 */
        return 92;
    if (on_two_threads_at_once(overtake, NULL) != 0)
        return 93;
    return 0;                           /* both returned: no abort */
}

Test(misuse, two_adds_past_zero_at_once_abort_a_forked_child_never_waiting_for_each_other, .timeout = 120)
{
    for (int r = 0; r < OVERTAKE_ROUNDS; r++) {
        char err[1024];
        struct abort_call c = { two_overtakers, NULL };
        int st = run_forked(abort_call_run, &c, NULL, 0, err, sizeof err);
        cr_assert_neq(st, -1, "could not fork");
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
                  "round %d: status %#x (want SIGABRT; SIGALRM: a hang), stderr: %s", r, st, err);
        cr_assert(strstr(err, "below zero") != NULL, "round %d: stderr \"%s\"", r, err);
    }
}

/* A 2-worker pool, created and destroyed: dangling. dead_pool() for the
 * test's own process, where failures are assertions rather than _exit. */
static fj_pool *destroyed_pool(void)
{
    fj_pool *p = NULL;
    fj_config c = { .workers = 2 };
    cr_assert_eq(fj_pool_create(&p, &c), 0);
    cr_assert_eq(fj_pool_destroy(p), 0);
    return p;
}

/* The two the contract names, as plain Criterion signal tests too. */
Test(misuse, destroying_a_pool_twice_aborts_in_debug_builds, .signal = SIGABRT, .timeout = 30)
{
#ifdef NDEBUG
    cr_skip_test("release build");
#endif
    fj_pool_destroy(destroyed_pool());
}

Test(misuse, go_after_destroy_returned_aborts_in_debug_builds, .signal = SIGABRT, .timeout = 30)
{
#ifdef NDEBUG
    cr_skip_test("release build");
#endif
    fj_go(destroyed_pool(), nothing, NULL);
}

/* --------------------------------------------------------------- edges */

struct create_row { const char *what; fj_config cfg; int must_work; };

static const struct create_row creates[] = {
    { "stack_size SIZE_MAX",       { .workers = 2, .stack_size = SIZE_MAX }, 0 },
    { "stack_size 1 (clamped)",    { .workers = 2, .stack_size = 1 }, 1 },
    { "stack_size 16 KiB",         { .workers = 2, .stack_size = 16 << 10 }, 1 },
    { "pin INT_MIN",               { .workers = 3, .pin = INT_MIN }, 1 },
    { "pin 1, more workers than CPUs", { .workers = 9, .pin = 1 }, 1 },
    { "workers 1",                 { .workers = 1 }, 1 },
    { "workers 64",                { .workers = 64, .stack_size = 64 << 10 }, 1 },
};

Test(misuse, absurd_configurations_either_work_or_fail_cleanly, .timeout = 120)
{
    int base = thread_count();
    for (size_t i = 0; i < sizeof creates / sizeof *creates; i++) {
        fj_pool *p = (fj_pool *)(uintptr_t)0x5151;
        int e = fj_pool_create(&p, &creates[i].cfg);
        if (creates[i].must_work)
            cr_assert_eq(e, 0, "%s: %d", creates[i].what, e);
        if (e == 0) {
            cr_assert_eq(fj_pool_size(p), creates[i].cfg.workers, "%s", creates[i].what);
            struct fib f = { 18, 0 };
            cr_assert_eq(fj_run(p, fib_task, &f), 0, "%s", creates[i].what);
            cr_assert_eq(f.r, 2584, "%s", creates[i].what);
            cr_assert_eq(fj_pool_destroy(p), 0);
        } else {
            cr_assert_eq(p, (fj_pool *)(uintptr_t)0x5151, "%s: out changed on error",
                         creates[i].what);
            cr_assert(e > 0, "%s: %d", creates[i].what, e);
        }
        cr_assert_eq(settle_thread_count(base), base, "%s: threads left", creates[i].what);
    }
}

static fj_pool *P;

static void setup(void)
{
    fj_config c = { .workers = 3 };
    cr_assert_eq(fj_pool_create(&P, &c), 0);
}

static void teardown(void)
{
    cr_assert_eq(fj_pool_destroy(P), 0);
}

struct cover { size_t begin, n; atomic_uchar *seen; atomic_long calls, bad; };

static void cover_body(size_t lo, size_t hi, void *arg)
{
    struct cover *c = arg;
    atomic_fetch_add(&c->calls, 1);
    if (lo >= hi || lo < c->begin || hi - c->begin > c->n) {
        atomic_fetch_add(&c->bad, 1);
        return;
    }
    for (size_t i = lo; i < hi; i++)
        atomic_fetch_add(&c->seen[i - c->begin], 1);
}

Test(misuse, ranges_that_end_at_size_max_are_covered_exactly_once, .init = setup,
     .fini = teardown, .timeout = 60)
{
    static const size_t grains[] = { 0, 1, 7, 1000, SIZE_MAX };
    for (size_t g = 0; g < sizeof grains / sizeof *grains; g++) {
        struct cover c = { SIZE_MAX - 5000, 5000, calloc(5000, 1), 0, 0 };
        cr_assert_eq(fj_for(P, c.begin, SIZE_MAX, grains[g], cover_body, &c), 0);
        cr_assert_eq(atomic_load(&c.bad), 0, "grain %zu: a body call outside the range",
                     grains[g]);
        for (size_t i = 0; i < c.n; i++)
            cr_assert_eq(atomic_load(&c.seen[i]), 1, "grain %zu: index SIZE_MAX-%zu ran %u times",
                         grains[g], c.n - i, (unsigned)atomic_load(&c.seen[i]));
        if (grains[g] == SIZE_MAX)
            cr_assert_eq(atomic_load(&c.calls), 1, "grain SIZE_MAX: one call");
        free(c.seen);
    }
}

static void sum_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    for (size_t i = lo; i < hi; i++)
        *(uint64_t *)acc += (uint64_t)(SIZE_MAX - i);
}

static void sum_combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    *(uint64_t *)acc += *(const uint64_t *)right;
}

Test(misuse, reduce_over_a_range_ending_at_size_max, .init = setup, .fini = teardown,
     .timeout = 60)
{
    uint64_t zero = 0, r = 0;
    cr_assert_eq(fj_reduce(P, SIZE_MAX - 1000, SIZE_MAX, 0, &r, sizeof r, &zero, sum_body,
                           sum_combine, NULL), 0);
    cr_assert_eq(r, 1000ull * 1001 / 2);   /* SIZE_MAX - i for i in the range: 1..1000 */
}

Test(misuse, reduce_with_a_size_max_accumulator_returns_enomem_and_touches_nothing,
     .init = setup, .fini = teardown, .timeout = 30)
{
    uint64_t id = 7, r = 99;
    cr_assert_eq(fj_reduce(P, 0, 10, 1, &r, SIZE_MAX, &id, sum_body, sum_combine, NULL), ENOMEM);
    cr_assert_eq(r, 99);
    cr_assert_eq(fj_reduce(P, 0, 10, 1, &r, SIZE_MAX / 2 + 1, &id, sum_body, sum_combine, NULL),
                 ENOMEM);
    cr_assert_eq(r, 99);
}

/* fj_go_copy at every interesting size: the copy is made before the call
 * returns, aligned for any type, and size 0 passes NULL even with an arg. */
static atomic_long copy_bad, copy_ran;

struct copy_check { size_t size; unsigned char seed; };

static void check_copy(void *p)
{
    atomic_fetch_add(&copy_ran, 1);
    unsigned char *b = p;
    if (!b) {
        atomic_fetch_add(&copy_bad, 1);
        return;
    }
    struct copy_check h;
    memcpy(&h, b, sizeof h);
    if ((uintptr_t)b % alignof(max_align_t))
        atomic_fetch_add(&copy_bad, 1);
    for (size_t i = sizeof h; i < h.size; i++)
        if (b[i] != (unsigned char)(h.seed + i)) {
            atomic_fetch_add(&copy_bad, 1);
            return;
        }
}

static void expect_null(void *p)
{
    atomic_fetch_add(&copy_ran, 1);
    if (p != NULL)
        atomic_fetch_add(&copy_bad, 1);
}

static void copies(fj_pool *pool, int *errs)
{
    static const size_t sizes[] = { 16, 17, 63, 64, 65, 100, 128, 4096 };
    unsigned char buf[4096];
    for (int rep = 0; rep < 20; rep++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            struct copy_check h = { sizes[s], (unsigned char)(rep * 7 + s) };
            memcpy(buf, &h, sizeof h);
            for (size_t i = sizeof h; i < h.size; i++)
                buf[i] = (unsigned char)(h.seed + i);
            *errs += fj_go_copy(pool, check_copy, buf, h.size) != 0;
            memset(buf, 0xee, sizeof buf);          /* the copy was made already */
        }
    for (int rep = 0; rep < 20; rep++)
        *errs += fj_go_copy(pool, expect_null, buf, 0) != 0;   /* size 0: fn gets NULL */
}

static void copies_task(void *arg)
{
    copies(NULL, arg);
}

Test(misuse, go_copy_of_0_to_4096_bytes_from_outside_and_inside, .timeout = 60)
{
    fj_pool *p = NULL;
    fj_config c = { .workers = 2 };
    cr_assert_eq(fj_pool_create(&p, &c), 0);
    int errs = 0, errs_in = 0;
    copies(p, &errs);
    cr_assert_eq(fj_run(p, copies_task, &errs_in), 0);
    cr_assert_eq(fj_pool_destroy(p), 0);
    cr_assert_eq(errs, 0);
    cr_assert_eq(errs_in, 0);
    cr_assert_eq(atomic_load(&copy_ran), 2 * (20 * 8 + 20));
    cr_assert_eq(atomic_load(&copy_bad), 0, "%ld copies were wrong", atomic_load(&copy_bad));
}

/* --------------------------------------------------------------- order */

Test(misuse, sync_twice_and_sync_without_spawn_return_at_once)
{
    fj_group g = FJ_GROUP_INIT;
    fj_sync(&g);
    fj_sync(&g);
    struct fib f = { 10, 0 };
    fj_spawn(&g, fib_task, &f);         /* outside a pool: runs before returning */
    cr_assert_eq(f.r, 55);
    fj_sync(&g);
    fj_sync(&g);
}

Test(misuse, destroy_right_after_create_and_stats_of_an_idle_pool, .timeout = 60)
{
    for (int i = 0; i < 50; i++) {
        fj_pool *p = NULL;
        fj_config c = { .workers = 1 + (unsigned)(i % 4) };
        cr_assert_eq(fj_pool_create(&p, &c), 0);
        fj_stats s;
        memset(&s, 0xff, sizeof s);
        cr_assert_eq(fj_pool_stats(p, &s), 0);
        cr_assert_eq(s.tasks, 0, "a new pool ran nothing");
        cr_assert_eq(s.steals, 0);
        cr_assert_eq(fj_pool_destroy(p), 0);
    }
}

static atomic_int reuse_ran;

static void reuse_task(void *p)
{
    atomic_fetch_add(&reuse_ran, 1);
    fj_wg_done(p);
}

Test(misuse, a_wait_group_reused_at_once_for_many_rounds, .init = setup, .fini = teardown,
     .timeout = 60)
{
    fj_wg wg = FJ_WG_INIT;
    for (int round = 1; round <= 500; round++) {
        int n = 1 + round % 5;
        fj_wg_add(&wg, n);
        for (int i = 0; i < n; i++)
            cr_assert_eq(fj_go(P, reuse_task, &wg), 0);
        fj_wg_wait(&wg);
        fj_wg_wait(&wg);                /* a second wait on zero returns at once */
        fj_wg_add(&wg, 0);              /* delta 0: nothing */
    }
    int want = 0;
    for (int round = 1; round <= 500; round++)
        want += 1 + round % 5;
    cr_assert_eq(atomic_load(&reuse_ran), want);
}

struct hop { fj_pool *other; struct fib f; int e; };

static void hop_task(void *p)
{
    struct hop *h = p;
    h->e = fj_run(h->other, fib_task, &h->f);   /* a worker of P blocks on another pool */
}

Test(misuse, fj_run_from_a_task_on_a_pool_created_inside_it, .init = setup, .fini = teardown,
     .timeout = 60)
{
    fj_pool *q = NULL;
    fj_config c = { .workers = 2 };
    cr_assert_eq(fj_pool_create(&q, &c), 0);
    struct hop h = { q, { 20, 0 }, -1 };
    cr_assert_eq(fj_run(P, hop_task, &h), 0);
    cr_assert_eq(h.e, 0);
    cr_assert_eq(h.f.r, 6765);
    cr_assert_eq(fj_pool_destroy(q), 0);
}
