/* test_reduce.c - fj_reduce: identity (+) body over [begin, end), combined
 * left to right; with grain > 0 bit-identical across runs and worker counts.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <forja.h>

#include "support.h"

/* ---------------------------------------------------------- integer sums */

static void sum_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    uint64_t *s = acc;
    for (size_t i = lo; i < hi; i++)
        *s += i;
}

static void sum_combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    *(uint64_t *)acc += *(const uint64_t *)right;
}

Test(reduce, sum_matches_the_closed_form_for_every_grain, .timeout = 60)
{
    fj_pool *p = make_pool(3);
    size_t grains[] = { 0, 1, 7, 1000, 1u << 20 };
    size_t ends[] = { 1, 2, 3, 1000, 100003 };
    for (size_t gi = 0; gi < sizeof grains / sizeof *grains; gi++)
        for (size_t ei = 0; ei < sizeof ends / sizeof *ends; ei++) {
            uint64_t zero = 0, r = 12345;
            size_t n = ends[ei];
            cr_assert_eq(fj_reduce(p, 0, n, grains[gi], &r, sizeof r, &zero,
                                   sum_body, sum_combine, NULL), 0);
            cr_assert_eq(r, (uint64_t)n * (n - 1) / 2, "n=%zu grain=%zu", n, grains[gi]);
        }
    cr_assert_eq(fj_pool_destroy(p), 0);
}

Test(reduce, empty_range_yields_the_identity_and_calls_nothing)
{
    uint64_t id = 42, r = 0;
    cr_assert_eq(fj_reduce(NULL, 5, 5, 0, &r, sizeof r, &id, sum_body, sum_combine, NULL), 0);
    cr_assert_eq(r, 42);
}

Test(reduce, result_may_alias_identity)
{
    /* Every piece starts from identity; if forja read identity through the
     * aliased result while folding, later pieces would start from partial
     * sums and the total would be too large. */
    uint64_t acc = 0;
    cr_assert_eq(fj_reduce(NULL, 0, 100, 3, &acc, sizeof acc, &acc, sum_body,
                           sum_combine, NULL), 0);
    cr_assert_eq(acc, 4950);
}

Test(reduce, bad_arguments_return_einval_and_call_nothing)
{
    uint64_t id = 0, r = 7;
    cr_assert_eq(fj_reduce(NULL, 2, 1, 0, &r, sizeof r, &id, sum_body, sum_combine, NULL), EINVAL);
    cr_assert_eq(fj_reduce(NULL, 0, 1, 0, &r, 0, &id, sum_body, sum_combine, NULL), EINVAL);
    cr_assert_eq(fj_reduce(NULL, 0, 1, 0, NULL, sizeof r, &id, sum_body, sum_combine, NULL), EINVAL);
    cr_assert_eq(fj_reduce(NULL, 0, 1, 0, &r, sizeof r, NULL, sum_body, sum_combine, NULL), EINVAL);
    cr_assert_eq(fj_reduce(NULL, 0, 1, 0, &r, sizeof r, &id, NULL, sum_combine, NULL), EINVAL);
    cr_assert_eq(fj_reduce(NULL, 0, 1, 0, &r, sizeof r, &id, sum_body, NULL, NULL), EINVAL);
    cr_assert_eq(r, 7, "nothing written on error");
}

/* ------------------------------------- non-commutative: concatenation */

#define DIGITS_MAX 512
struct digits {                     /* > FJ_REDUCE_INLINE: heap accumulators */
    size_t len;
    char s[DIGITS_MAX];
};

static void digits_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    struct digits *d = acc;
    for (size_t i = lo; i < hi; i++)
        d->s[d->len++] = (char)('0' + i % 10);
}

static void digits_combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    struct digits *a = acc;
    const struct digits *b = right;
    memcpy(a->s + a->len, b->s, b->len);
    a->len += b->len;
}

Test(reduce, concatenation_keeps_index_order, .timeout = 60)
{
    fj_pool *p = make_pool(3);
    static struct digits id, r;
    char want[DIGITS_MAX];
    size_t n = 400;
    for (size_t i = 0; i < n; i++)
        want[i] = (char)('0' + i % 10);
    size_t grains[] = { 0, 1, 3, 64 };
    for (int rep = 0; rep < 20; rep++)
        for (size_t gi = 0; gi < 4; gi++) {
            memset(&r, 0, sizeof r);
            cr_assert_eq(fj_reduce(p, 0, n, grains[gi], &r, sizeof r, &id,
                                   digits_body, digits_combine, NULL), 0);
            cr_assert_eq(r.len, n);
            cr_assert(memcmp(r.s, want, n) == 0, "grain %zu: out of order", grains[gi]);
        }
    cr_assert_eq(fj_pool_destroy(p), 0);
}

/* ------------------------------------------ floating point, grain > 0 */

static void fsum_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    double *s = acc;
    for (size_t i = lo; i < hi; i++)
        *s += 1.0 / (double)(i + 1) * ((i % 3) ? 1.0 : -0.7);
}

static void fsum_combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    *(double *)acc += *(const double *)right;
}

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

Test(reduce, float_sum_with_grain_is_bit_identical_across_workers_and_runs, .timeout = 120)
{
    const size_t n = 200000, grain = 1000;
    double zero = 0.0, ref = 0.0;
    int have_ref = 0;
    for (unsigned workers = 1; workers <= 3; workers++) {
        fj_pool *p = make_pool(workers);
        for (int run = 0; run < 20; run++) {
            double r;
            cr_assert_eq(fj_reduce(p, 0, n, grain, &r, sizeof r, &zero, fsum_body,
                                   fsum_combine, NULL), 0);
            if (!have_ref) {
                ref = r;
                have_ref = 1;
            }
            cr_assert_eq(bits(r), bits(ref), "workers %u run %d: %.17g vs %.17g",
                         workers, run, r, ref);
        }
        cr_assert_eq(fj_pool_destroy(p), 0);
    }
}

/* ------------------------------------------------------------- nesting */

struct nest {
    fj_pool *pool;
};

static void outer_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    for (size_t i = lo; i < hi; i++) {
        uint64_t zero = 0, inner;
        cr_assert_eq(fj_reduce(NULL, 0, i + 1, 0, &inner, sizeof inner, &zero,
                               sum_body, sum_combine, NULL), 0);
        *(uint64_t *)acc += inner;
    }
}

static void nested_root(void *arg)
{
    uint64_t *out = arg, zero = 0;
    cr_assert_eq(fj_reduce(NULL, 0, 200, 0, out, sizeof *out, &zero, outer_body,
                           sum_combine, NULL), 0);
}

Test(reduce, nested_inside_a_task_and_inside_a_reduce, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    uint64_t r = 0, want = 0;
    for (uint64_t i = 0; i < 200; i++)
        want += i * (i + 1) / 2;
    cr_assert_eq(fj_run(p, nested_root, &r), 0);
    cr_assert_eq(r, want);
    cr_assert_eq(fj_pool_destroy(p), 0);
}
