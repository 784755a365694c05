/* test_for.c - fj_for (forja.h, src/for.c): the body's calls cover [begin, end)
 * exactly once with non-empty disjoint ranges; with grain > 0 no call gets more
 * than grain iterations and the split tree depends only on (begin, end, grain),
 * not on the number of workers or where fj_for is called from. */
#include <criterion/criterion.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forja.h"
#include "support.h"

/* ------------------------------------------------ what the body checks */

struct rec { size_t lo, hi; };

struct loop {
    size_t begin, end, grain;
    atomic_uchar *hits;          /* one per iteration, index i - begin */
    struct rec *ranges;          /* NULL: do not record */
    size_t cap;
    atomic_size_t nranges;
    atomic_long calls, empty, outside, too_big, too_small, wrong_arg;
};

static void body(size_t lo, size_t hi, void *arg)
{
    struct loop *l = arg;
    atomic_fetch_add(&l->calls, 1);
    if (lo >= hi) {
        atomic_fetch_add(&l->empty, 1);
        return;
    }
    if (lo < l->begin || hi > l->end) {
        atomic_fetch_add(&l->outside, 1);
        return;
    }
    size_t n = hi - lo, whole = l->end - l->begin;
    if (l->grain > 0 && n > l->grain)
        atomic_fetch_add(&l->too_big, 1);
    /* A leaf of more than grain's parent is at least half of grain + 1. */
    if (l->grain > 0 && whole > l->grain && n < (l->grain / 2) + (l->grain & 1))
        atomic_fetch_add(&l->too_small, 1);
    for (size_t i = lo; i < hi; i++)
        atomic_fetch_add_explicit(&l->hits[i - l->begin], 1, memory_order_relaxed);
    if (l->ranges) {
        size_t k = atomic_fetch_add(&l->nranges, 1);
        if (k < l->cap)
            l->ranges[k] = (struct rec){ lo, hi };
    }
}

static struct loop *new_loop(size_t begin, size_t end, size_t grain, size_t record_cap)
{
    struct loop *l = calloc(1, sizeof *l);
    l->begin = begin;
    l->end = end;
    l->grain = grain;
    l->hits = calloc(end - begin + 1, 1);
    l->cap = record_cap;
    l->ranges = record_cap ? calloc(record_cap, sizeof *l->ranges) : NULL;
    cr_assert(l->hits && (!record_cap || l->ranges));
    return l;
}

static void free_loop(struct loop *l)
{
    free(l->hits);
    free(l->ranges);
    free(l);
}

static void check_loop(struct loop *l, const char *where)
{
    size_t n = l->end - l->begin;
    cr_assert_eq(atomic_load(&l->empty), 0, "%s [%zu,%zu) grain %zu: an empty range",
                 where, l->begin, l->end, l->grain);
    cr_assert_eq(atomic_load(&l->outside), 0, "%s: a range outside [begin, end)", where);
    cr_assert_eq(atomic_load(&l->too_big), 0, "%s [%zu,%zu) grain %zu: a call got more than grain",
                 where, l->begin, l->end, l->grain);
    cr_assert_eq(atomic_load(&l->too_small), 0, "%s [%zu,%zu) grain %zu: split below half a grain",
                 where, l->begin, l->end, l->grain);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(atomic_load(&l->hits[i]), 1, "%s [%zu,%zu) grain %zu: index %zu ran %u times",
                     where, l->begin, l->end, l->grain, l->begin + i,
                     (unsigned)atomic_load(&l->hits[i]));
    if (n == 0)
        cr_assert_eq(atomic_load(&l->calls), 0, "%s: begin == end must not call body", where);
}

/* ------------------------------------------------------------ the cases */

struct range_case { size_t begin, end, grain; };

static const struct range_case cases[] = {
    { 0, 0, 0 }, { 5, 5, 1 }, { 7, 7, SIZE_MAX },
    { 0, 1, 0 }, { 0, 1, 1 }, { 0, 1, SIZE_MAX },
    { 0, 2, 1 }, { 0, 3, 2 },
    { 0, 1000, 0 }, { 0, 1000, 1 }, { 0, 1000, 2 }, { 0, 1000, 7 }, { 0, 1000, 999 },
    { 0, 1000, 1000 }, { 0, 1000, 1001 }, { 0, 1000, SIZE_MAX },
    { 17, 100003, 0 }, { 17, 100003, 64 }, { 3, 3 + (1u << 20), 0 }, { 1, 1 + (1u << 18), 4096 },
    { SIZE_MAX - 1000, SIZE_MAX, 0 }, { SIZE_MAX - 1000, SIZE_MAX, 1 },
    { SIZE_MAX - 1000, SIZE_MAX, 33 }, { SIZE_MAX - 1000, SIZE_MAX, SIZE_MAX },
    { SIZE_MAX - 1, SIZE_MAX, 0 }, { SIZE_MAX - 1, SIZE_MAX, 1 },
    { SIZE_MAX - 100000, SIZE_MAX - 3, 0 },
};
enum { NCASES = sizeof cases / sizeof cases[0] };

static fj_pool *pool;
static int inside_rc[NCASES];
static struct loop *inside_loops[NCASES];

static void all_cases_inside(void *unused)
{
    (void)unused;
    for (size_t k = 0; k < NCASES; k++)
        inside_rc[k] = fj_for(NULL, cases[k].begin, cases[k].end, cases[k].grain, body,
                              inside_loops[k]);
}

/* Every case, each fj_for called from this (outside) thread on a pool of
 * `workers`; where names the run in failure messages. */
static void cover_all_cases_from_outside(unsigned workers, const char *where)
{
    pool = make_pool(workers);
    for (size_t k = 0; k < NCASES; k++) {
        struct loop *l = new_loop(cases[k].begin, cases[k].end, cases[k].grain, 0);
        cr_assert_eq(fj_for(pool, l->begin, l->end, l->grain, body, l), 0, "case %zu", k);
        check_loop(l, where);
        free_loop(l);
    }
    cr_assert_eq(fj_pool_destroy(pool), 0);
}

Test(for, every_index_is_covered_exactly_once_from_outside, .timeout = 90)
{
    cover_all_cases_from_outside(3, "outside");
}

void fji_now_set_cheap(bool cheap);     /* src/os.c test hook, not API */

/* Where the clock is a system call, lazy chunks double without reading it
 * (for.c): the same coverage must hold on that path. */
Test(for, every_index_is_covered_exactly_once_when_the_clock_is_slow, .timeout = 90)
{
    fji_now_set_cheap(false);
    cover_all_cases_from_outside(3, "slow clock");
    fji_now_set_cheap(true);
}

static atomic_long cheap_calls;

static void count_call(size_t lo, size_t hi, void *arg)
{
    (void)lo, (void)hi, (void)arg;
    atomic_fetch_add(&cheap_calls, 1);
}

/* Timed lazy chunks grow while they are quick, with no cap from the range's
 * size: 10^5 trivial iterations on one worker (no thief asks) take about
 * log2(10^5) = 17 calls. (Capped at 1/256 of the share, as they once were,
 * it took 265: one clock read and one request check per 390 iterations.)
 * The bound leaves room for chunks halved by a preemption. */
Test(for, a_cheap_loop_on_one_worker_runs_in_few_chunks, .timeout = 30)
{
    fji_now_set_cheap(true);
    pool = make_pool(1);
    atomic_store(&cheap_calls, 0);
    cr_assert_eq(fj_for(pool, 0, 100000, 0, count_call, NULL), 0);
    long calls = atomic_load(&cheap_calls);
    cr_assert(calls >= 1 && calls <= 64, "%ld body calls for 10^5 trivial iterations", calls);
    cr_assert_eq(fj_pool_destroy(pool), 0);
}

Test(for, every_index_is_covered_exactly_once_from_inside_a_task, .timeout = 90)
{
    pool = make_pool(3);
    for (size_t k = 0; k < NCASES; k++)
        inside_loops[k] = new_loop(cases[k].begin, cases[k].end, cases[k].grain, 0);
    cr_assert_eq(fj_run(pool, all_cases_inside, NULL), 0);
    for (size_t k = 0; k < NCASES; k++) {
        cr_assert_eq(inside_rc[k], 0, "case %zu", k);
        check_loop(inside_loops[k], "inside");
        free_loop(inside_loops[k]);
    }
    cr_assert_eq(fj_pool_destroy(pool), 0);
}

Test(for, every_index_is_covered_exactly_once_on_one_worker, .timeout = 90)
{
    cover_all_cases_from_outside(1, "1 worker");
}

Test(for, null_pool_from_outside_uses_the_default_pool, .timeout = 30)
{
    struct loop *l = new_loop(0, 50000, 0, 0);
    cr_assert_eq(fj_for(NULL, 0, 50000, 0, body, l), 0);
    check_loop(l, "default pool");
    free_loop(l);
}

/* ----------------------------------------------- the split tree is fixed */

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static size_t sorted_ranges(struct loop *l)
{
    size_t n = atomic_load(&l->nranges);
    cr_assert(n <= l->cap);
    qsort(l->ranges, n, sizeof *l->ranges, cmp_rec);
    return n;
}

static struct loop *tree_inside;

static void tree_in_task(void *unused)
{
    (void)unused;
    struct loop *l = tree_inside;
    fj_for(NULL, l->begin, l->end, l->grain, body, l);
}

Test(for, with_a_grain_the_ranges_are_the_same_on_1_and_3_workers_and_inside_a_task, .timeout = 90)
{
    static const struct range_case tree_cases[] = {
        { 0, 100000, 37 }, { 5, 12345, 1 }, { SIZE_MAX - 1000, SIZE_MAX, 10 }, { 0, 1 << 16, 1024 },
    };
    fj_pool *p1 = make_pool(1), *p3 = make_pool(3);
    for (size_t k = 0; k < sizeof tree_cases / sizeof tree_cases[0]; k++) {
        const struct range_case *c = &tree_cases[k];
        size_t cap = c->end - c->begin;
        struct loop *runs[4];
        for (int r = 0; r < 4; r++)
            runs[r] = new_loop(c->begin, c->end, c->grain, cap);
        cr_assert_eq(fj_for(p1, c->begin, c->end, c->grain, body, runs[0]), 0);
        cr_assert_eq(fj_for(p3, c->begin, c->end, c->grain, body, runs[1]), 0);
        cr_assert_eq(fj_for(p3, c->begin, c->end, c->grain, body, runs[2]), 0);
        tree_inside = runs[3];
        cr_assert_eq(fj_run(p3, tree_in_task, NULL), 0);
        size_t n0 = sorted_ranges(runs[0]);
        for (int r = 0; r < 4; r++) {
            check_loop(runs[r], "tree");
            size_t n = sorted_ranges(runs[r]);
            cr_assert_eq(n, n0, "case %zu run %d: %zu ranges, 1 worker made %zu", k, r, n, n0);
            cr_assert(!memcmp(runs[r]->ranges, runs[0]->ranges, n * sizeof *runs[0]->ranges),
                      "case %zu run %d: ranges differ from the 1-worker run", k, r);
        }
        for (int r = 0; r < 4; r++)
            free_loop(runs[r]);
    }
    cr_assert_eq(fj_pool_destroy(p1), 0);
    cr_assert_eq(fj_pool_destroy(p3), 0);
}

/* ------------------------------------------------------------- nesting */

enum { ROWS = 300, COLS = 200 };
static atomic_uchar cell[ROWS][COLS];
static atomic_long nested_errors;
static size_t inner_grain;

static void inner_body(size_t lo, size_t hi, void *arg)
{
    size_t row = (size_t)(uintptr_t)arg;
    for (size_t c = lo; c < hi; c++)
        atomic_fetch_add(&cell[row][c], 1);
}

static void outer_body(size_t lo, size_t hi, void *arg)
{
    (void)arg;
    for (size_t r = lo; r < hi; r++)
        if (fj_for(NULL, 0, COLS, inner_grain, inner_body, (void *)(uintptr_t)r) != 0)
            atomic_fetch_add(&nested_errors, 1);
}

static void check_cells(int want)
{
    cr_assert_eq(atomic_load(&nested_errors), 0);
    for (size_t r = 0; r < ROWS; r++)
        for (size_t c = 0; c < COLS; c++)
            cr_assert_eq(atomic_load(&cell[r][c]), want, "cell %zu,%zu", r, c);
}

static void nested_in_task(void *unused)
{
    (void)unused;
    if (fj_for(NULL, 0, ROWS, 3, outer_body, NULL) != 0)
        atomic_fetch_add(&nested_errors, 1);
}

Test(for, nested_fj_for_covers_every_cell_exactly_once, .timeout = 90)
{
    pool = make_pool(3);
    inner_grain = 0;
    cr_assert_eq(fj_for(pool, 0, ROWS, 0, outer_body, NULL), 0);
    check_cells(1);
    inner_grain = 7;
    cr_assert_eq(fj_for(pool, 0, ROWS, 1, outer_body, NULL), 0);
    check_cells(2);
    cr_assert_eq(fj_run(pool, nested_in_task, NULL), 0);
    check_cells(3);
    cr_assert_eq(fj_pool_destroy(pool), 0);
}

/* Plain writes made by the body are visible once fj_for returns. */
static void write_plain(size_t lo, size_t hi, void *arg)
{
    size_t *out = arg;
    for (size_t i = lo; i < hi; i++)
        out[i] = i * 2 + 1;
}

Test(for, writes_made_by_the_body_are_visible_when_fj_for_returns, .timeout = 60)
{
    pool = make_pool(3);
    enum { N = 200000 };
    size_t *out = calloc(N, sizeof *out);
    for (int round = 0; round < 5; round++) {
        memset(out, 0, N * sizeof *out);
        cr_assert_eq(fj_for(pool, 0, N, round == 0 ? 0 : (size_t)round * 100, write_plain, out), 0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(out[i], i * 2 + 1, "round %d index %zu", round, i);
    }
    free(out);
    cr_assert_eq(fj_pool_destroy(pool), 0);
}
