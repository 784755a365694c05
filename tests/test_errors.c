/* test_errors.c - every fallible public call, fed NULL, zero and huge
 * arguments, returns the errno value forja.h documents and runs nothing
 * ("change nothing when they fail"). The table runs from outside any pool and
 * again from inside a task. ENOMEM paths use the allocation-failure hook of
 * src/os.c (fji_alloc_fail_after): each failure must leave no task queued, no
 * thread running and (ASan build) no leak. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "forja.h"
#include "support.h"

void fji_alloc_fail_after(uint64_t n);   /* src/os.c test hook, not API */

static fj_pool *P;                     /* a 2-worker pool for the table */
static atomic_long calls;              /* anything of ours that forja called */

static void fn(void *a) { (void)a; atomic_fetch_add(&calls, 1); }
static void body(size_t lo, size_t hi, void *a) { (void)lo; (void)hi; (void)a; atomic_fetch_add(&calls, 1); }
static void rbody(size_t lo, size_t hi, void *acc, void *a)
{
    (void)lo; (void)hi; (void)acc; (void)a;
    atomic_fetch_add(&calls, 1);
}
static void combine(void *acc, const void *r, void *a) { (void)acc; (void)r; (void)a; atomic_fetch_add(&calls, 1); }

static char buf[64];
static long acc, ident;
static fj_stats stats;

/* --------------------------------------------------------- the table */

static int create_null_out(void)        { return fj_pool_create(NULL, NULL); }
static int create_null_out_cfg(void)    { fj_config c = { .workers = 1 }; return fj_pool_create(NULL, &c); }
static fj_pool *const untouched = (fj_pool *)(uintptr_t)0x5151;
static int create_too_many(void)
{
    fj_pool *p = untouched;
    fj_config c = { .workers = FJ_WORKERS_MAX + 1 };
    int r = fj_pool_create(&p, &c);
    return p == untouched ? r : -1;
}
static int create_uint_max(void)
{
    fj_pool *p = untouched;
    fj_config c = { .workers = UINT_MAX };
    int r = fj_pool_create(&p, &c);
    return p == untouched ? r : -1;
}
static int destroy_null(void)           { return fj_pool_destroy(NULL); }
static int stats_null_out(void)         { return fj_pool_stats(P, NULL); }
static int stats_null_both(void)        { return fj_pool_stats(NULL, NULL); }
static int run_null_fn(void)            { return fj_run(P, NULL, buf); }
static int run_null_fn_null_pool(void)  { return fj_run(NULL, NULL, buf); }
static int go_null_fn(void)             { return fj_go(P, NULL, buf); }
static int go_null_fn_null_pool(void)   { return fj_go(NULL, NULL, buf); }
static int copy_null_fn(void)           { return fj_go_copy(P, NULL, buf, 8); }
static int copy_null_fn_size0(void)     { return fj_go_copy(P, NULL, NULL, 0); }
static int copy_null_arg(void)          { return fj_go_copy(P, fn, NULL, 1); }
static int copy_null_arg_inline(void)   { return fj_go_copy(P, fn, NULL, FJ_COPY_INLINE); }
static int copy_null_arg_huge(void)     { return fj_go_copy(P, fn, NULL, SIZE_MAX); }
static int copy_huge(void)              { return fj_go_copy(P, fn, buf, SIZE_MAX); }
static int copy_half_huge(void)         { return fj_go_copy(P, fn, buf, SIZE_MAX / 2); }
static int copy_huge_minus_inline(void) { return fj_go_copy(P, fn, buf, SIZE_MAX - FJ_COPY_INLINE); }
static int for_begin_gt_end(void)       { return fj_for(P, 10, 5, 1, body, NULL); }
static int for_begin_gt_end_grain0(void){ return fj_for(P, SIZE_MAX, 0, 0, body, NULL); }
static int for_null_body(void)          { return fj_for(P, 0, 10, 1, NULL, NULL); }
static int for_null_body_empty(void)    { return fj_for(P, 3, 3, 1, NULL, NULL); }
static int for_null_body_backwards(void){ return fj_for(P, 5, 4, 0, NULL, NULL); }
static int reduce_begin_gt_end(void)    { return fj_reduce(P, 9, 1, 1, &acc, sizeof acc, &ident, rbody, combine, NULL); }
static int reduce_size0(void)           { return fj_reduce(P, 0, 9, 1, &acc, 0, &ident, rbody, combine, NULL); }
static int reduce_null_result(void)     { return fj_reduce(P, 0, 9, 1, NULL, sizeof acc, &ident, rbody, combine, NULL); }
static int reduce_null_identity(void)   { return fj_reduce(P, 0, 9, 1, &acc, sizeof acc, NULL, rbody, combine, NULL); }
static int reduce_null_body(void)       { return fj_reduce(P, 0, 9, 1, &acc, sizeof acc, &ident, NULL, combine, NULL); }
static int reduce_null_combine(void)    { return fj_reduce(P, 0, 9, 1, &acc, sizeof acc, &ident, rbody, NULL, NULL); }
static int reduce_empty_null_body(void) { return fj_reduce(P, 4, 4, 0, &acc, sizeof acc, &ident, NULL, combine, NULL); }
static int stats_ok(void)               { return fj_pool_stats(P, &stats); }

struct row { const char *what; int (*call)(void); int want; };

static const struct row table[] = {
    { "fj_pool_create(NULL, NULL)",                 create_null_out,         EINVAL },
    { "fj_pool_create(NULL, &cfg)",                 create_null_out_cfg,     EINVAL },
    { "fj_pool_create workers = FJ_WORKERS_MAX+1",  create_too_many,         EINVAL },
    { "fj_pool_create workers = UINT_MAX",          create_uint_max,         EINVAL },
    { "fj_pool_destroy(NULL)",                      destroy_null,            EINVAL },
    { "fj_pool_stats(pool, NULL)",                  stats_null_out,          EINVAL },
    { "fj_pool_stats(NULL, NULL)",                  stats_null_both,         EINVAL },
    { "fj_run(pool, NULL fn)",                      run_null_fn,             EINVAL },
    { "fj_run(NULL, NULL fn)",                      run_null_fn_null_pool,   EINVAL },
    { "fj_go(pool, NULL fn)",                       go_null_fn,              EINVAL },
    { "fj_go(NULL, NULL fn)",                       go_null_fn_null_pool,    EINVAL },
    { "fj_go_copy NULL fn",                         copy_null_fn,            EINVAL },
    { "fj_go_copy NULL fn, size 0",                 copy_null_fn_size0,      EINVAL },
    { "fj_go_copy NULL arg, size 1",                copy_null_arg,           EINVAL },
    { "fj_go_copy NULL arg, size FJ_COPY_INLINE",   copy_null_arg_inline,    EINVAL },
    { "fj_go_copy NULL arg, size SIZE_MAX",         copy_null_arg_huge,      EINVAL },
    { "fj_go_copy size SIZE_MAX",                   copy_huge,               ENOMEM },
    { "fj_go_copy size SIZE_MAX/2",                 copy_half_huge,          ENOMEM },
    { "fj_go_copy size SIZE_MAX-FJ_COPY_INLINE",    copy_huge_minus_inline,  ENOMEM },
    { "fj_for begin > end",                         for_begin_gt_end,        EINVAL },
    { "fj_for begin SIZE_MAX > end 0, grain 0",     for_begin_gt_end_grain0, EINVAL },
    { "fj_for NULL body",                           for_null_body,           EINVAL },
    { "fj_for NULL body, empty range",              for_null_body_empty,     EINVAL },
    { "fj_for NULL body, begin > end",              for_null_body_backwards, EINVAL },
    { "fj_reduce begin > end",                      reduce_begin_gt_end,     EINVAL },
    { "fj_reduce size 0",                           reduce_size0,            EINVAL },
    { "fj_reduce NULL result",                      reduce_null_result,      EINVAL },
    { "fj_reduce NULL identity",                    reduce_null_identity,    EINVAL },
    { "fj_reduce NULL body",                        reduce_null_body,        EINVAL },
    { "fj_reduce NULL combine",                     reduce_null_combine,     EINVAL },
    { "fj_reduce NULL body, empty range",           reduce_empty_null_body,  EINVAL },
    { "fj_pool_stats(pool, &out) (valid)",          stats_ok,                0 },
};
enum { ROWS = sizeof table / sizeof table[0] };

static int got[ROWS];

static void run_table(void *unused)
{
    (void)unused;
    for (size_t i = 0; i < ROWS; i++)
        got[i] = table[i].call();
}

static void setup(void)
{
    fj_config c = { .workers = 2 };
    cr_assert_eq(fj_pool_create(&P, &c), 0);
    atomic_store(&calls, 0);
}

static void check_table(const char *where)
{
    for (size_t i = 0; i < ROWS; i++)
        cr_expect_eq(got[i], table[i].want, "%s: %s returned %d, want %d", where,
                     table[i].what, got[i], table[i].want);
    cr_assert_eq(fj_pool_destroy(P), 0);      /* drains whatever was queued */
    cr_assert_eq(atomic_load(&calls), 0, "%s: a failed call ran something (%ld calls)",
                 where, atomic_load(&calls));
}

Test(errors, every_invalid_argument_from_outside_returns_the_documented_errno_and_runs_nothing,
     .init = setup, .timeout = 60)
{
    run_table(NULL);
    check_table("outside");
}

Test(errors, every_invalid_argument_from_a_task_returns_the_documented_errno_and_runs_nothing,
     .init = setup, .timeout = 60)
{
    cr_assert_eq(fj_run(P, run_table, NULL), 0);
    check_table("in a task");
}

Test(errors, valid_edge_arguments_succeed)
{
    fj_pool *p = NULL;
    fj_config c = { .workers = 1 };
    cr_assert_eq(fj_pool_create(&p, &c), 0);
    atomic_store(&calls, 0);
    cr_assert_eq(fj_for(p, 5, 5, 0, body, NULL), 0, "begin == end is not an error");
    cr_assert_eq(fj_for(p, SIZE_MAX, SIZE_MAX, 1, body, NULL), 0);
    acc = 99; ident = 7;
    cr_assert_eq(fj_reduce(p, 4, 4, 0, &acc, sizeof acc, &ident, rbody, combine, NULL), 0);
    cr_assert_eq(acc, 7, "empty reduce stores identity");
    cr_assert_eq(atomic_load(&calls), 0);
    cr_assert_eq(fj_go_copy(p, fn, NULL, 0), 0, "size 0 with a NULL arg is valid");
    cr_assert_eq(fj_pool_destroy(p), 0);
    cr_assert_eq(atomic_load(&calls), 1);
}

/* ---------------------------------------------------------- ENOMEM paths */

Test(errors, pool_create_failing_at_any_allocation_returns_enomem_and_leaves_nothing, .timeout = 60)
{
    int base = thread_count();
    int succeeded = 0;
    for (uint64_t n = 1; n <= 200 && !succeeded; n++) {
        fj_pool *p = untouched;
        fj_config c = { .workers = 3 };
        fji_alloc_fail_after(n);
        int r = fj_pool_create(&p, &c);
        fji_alloc_fail_after(0);
        if (r == 0) {
            succeeded = 1;
            cr_assert_eq(fj_pool_destroy(p), 0);
        } else {
            cr_assert_eq(r, ENOMEM, "allocation %llu failing: %d", (unsigned long long)n, r);
            cr_assert_eq(p, untouched, "out is untouched on error");
        }
        cr_assert_eq(settle_thread_count(base), base, "no thread left after failure %llu",
                     (unsigned long long)n);
    }
    cr_assert(succeeded, "fj_pool_create needs fewer than 200 allocations");
}

static atomic_long ran_ok;

static void count_ran(void *a) { (void)a; atomic_fetch_add(&ran_ok, 1); }

static void covered(size_t lo, size_t hi, void *a)
{
    atomic_fetch_add((atomic_long *)a, (long)(hi - lo));
}

Test(errors, submissions_failing_for_memory_return_enomem_and_never_run, .timeout = 60)
{
    fj_pool *p = NULL;
    fj_config c = { .workers = 2 };
    cr_assert_eq(fj_pool_create(&p, &c), 0);
    long accepted = 0, refused = 0;
    atomic_long iters = 0;
    long for_ok = 0;
    static char big[1000];
    fji_alloc_fail_after(1);            /* every allocation from now on fails */
    for (int i = 0; i < 5000; i++) {
        int r;
        switch (i % 5) {
        case 0: r = fj_go(p, count_ran, NULL); break;
        case 1: r = fj_go_copy(p, count_ran, buf, 8); break;
        case 2: r = fj_go_copy(p, count_ran, big, sizeof big); break;
        case 3: r = fj_run(p, count_ran, NULL); break;
        default:
            r = fj_for(p, 0, 1000, 10, covered, &iters);
            if (r == 0)
                for_ok++;
            break;
        }
        if (r == 0 && i % 5 != 4)
            accepted++;
        else if (r != 0) {
            cr_assert_eq(r, ENOMEM, "call %d returned %d", i, r);
            refused++;
        }
    }
    fji_alloc_fail_after(0);
    cr_assert_eq(fj_pool_destroy(p), 0);
    cr_assert_eq(atomic_load(&ran_ok), accepted, "accepted %ld, ran %ld (refused %ld)",
                 accepted, atomic_load(&ran_ok), refused);
    cr_assert_eq(atomic_load(&iters), for_ok * 1000, "a refused fj_for called its body");
}

Test(errors, default_pool_that_cannot_be_created_reports_enomem, .timeout = 30)
{
    fji_alloc_fail_after(1);
    cr_assert_eq(fj_pool_size(NULL), 0);
    fj_stats s;
    cr_assert_eq(fj_pool_stats(NULL, &s), ENOMEM);
    cr_assert_eq(fj_go(NULL, count_ran, NULL), ENOMEM);
    cr_assert_eq(fj_run(NULL, count_ran, NULL), ENOMEM);
    fji_alloc_fail_after(0);
    cr_assert_eq(atomic_load(&ran_ok), 0);
}

/* About the outside caller's spin (go.c RUN_SPINS, ~20 us) in all, so that
 * its futex wait often meets a word that just changed (EAGAIN). */
static void errno_body(size_t lo, size_t hi, void *arg)
{
    (void)arg;
    spin_ns((long)(hi - lo) * 300);             /* 64 iterations: ~19 us */
}

static void errno_done(void *arg)
{
    fj_wg_done(arg);
}

/* forja.h: calls never set errno. A wait that sleeps meets EAGAIN or EINTR in
 * its futex system call (a word that changed, a signal) and must not leave
 * it behind: before the fix, 19 of 20000 outside fj_for calls and 4 of
 * 100000 fj_wg_wait calls returned with errno EAGAIN (a review's programs). */
Test(errors, successful_calls_leave_errno_alone, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    for (int i = 0; i < 5000; i++) {
        errno = 12345;
        cr_assert_eq(fj_for(p, 0, 64, 0, errno_body, NULL), 0);
        cr_assert_eq(errno, 12345, "fj_for from outside set errno to %d (call %d)", errno, i);
        fj_wg wg = FJ_WG_INIT;
        fj_wg_add(&wg, 1);
        cr_assert_eq(fj_go(p, errno_done, &wg), 0);
        errno = 12345;
        fj_wg_wait(&wg);
        cr_assert_eq(errno, 12345, "fj_wg_wait set errno to %d (call %d)", errno, i);
    }
    drop_pool(p);
}
