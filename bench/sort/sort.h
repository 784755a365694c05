/* sort: merge sort of n pseudo-random uint64 (splitmix64), cilksort-style:
 * sort four quarters in parallel, merge them pairwise in parallel into the
 * scratch buffer, merge the halves back; merges are themselves parallel
 * (split the longer run at its middle, binary-search the other, recurse on
 * both sides). Below SORT_CUT elements a quarter is sorted serially, below
 * MERGE_CUT a merge is serial (cilksort's QUICKSIZE and MERGESIZE). Memory
 * bound. Checked: sorted, and the order-free checksum unchanged. The serial
 * baseline is the same four-way merge sort with serial merges. */
#ifndef BENCH_SORT_H
#define BENCH_SORT_H

#include "common/bench.h"

#define SORT_CUT 2048
#define MERGE_CUT 2048

static inline uint64_t *sort_alloc(long n)
{
    uint64_t *a = (uint64_t *)malloc(((size_t)n + 1) * sizeof *a);
    if (!a)
        bench_fail("out of memory");
    return a;
}

static inline void sort_fill(uint64_t *a, long n)
{
    for (long i = 0; i < n; i++)
        a[i] = bench_mix64((uint64_t)i ^ 0x5ca1ab1eull);
}

static inline uint64_t sort_checksum(const uint64_t *a, long n)
{
    uint64_t s = 0;
    for (long i = 0; i < n; i++)
        s += bench_mix64(a[i]);
    return s;
}

static inline void sort_check(const uint64_t *a, long n, uint64_t want)
{
    for (long i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            bench_fail("sort(%ld): a[%ld] > a[%ld]", n, i - 1, i);
    if (sort_checksum(a, n) != want)
        bench_fail("sort(%ld): checksum changed (elements lost)", n);
}

/* One run's arrays: a (sorted in place) and tmp (scratch), both filled so
 * neither is first touched inside the timed region, and a's checksum. */
typedef struct sort_data { uint64_t *a, *tmp; long n; uint64_t sum; } sort_data;

static inline sort_data sort_input(long n)
{
    sort_data d;
    d.n = n;
    d.a = sort_alloc(n);
    d.tmp = sort_alloc(n);
    sort_fill(d.a, n);
    sort_fill(d.tmp, n);
    d.sum = sort_checksum(d.a, n);
    return d;
}

/* Checks the result, prints the output line, frees both arrays. */
static inline void sort_done(sort_data *d, int threads, bench_clock e)
{
    sort_check(d->a, d->n, d->sum);
    bench_report_u64("sort", threads, d->n, d->sum, e);
    free(d->a);
    free(d->tmp);
}

static inline void sort_swap(uint64_t *a, uint64_t *b)
{
    uint64_t t = *a;
    *a = *b;
    *b = t;
}

/* Serial quicksort (median of three, insertion sort below 16) for the leaves. */
static inline void sort_serial_small(uint64_t *a, size_t n)
{
    while (n > 16) {
        size_t m = n / 2;
        if (a[m] < a[0])
            sort_swap(&a[m], &a[0]);
        if (a[n - 1] < a[0])
            sort_swap(&a[n - 1], &a[0]);
        if (a[n - 1] < a[m])
            sort_swap(&a[n - 1], &a[m]);
        uint64_t p = a[m];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < p)
                i++;
            while (p < a[j])
                j--;
            if (i >= j)
                break;
            sort_swap(&a[i], &a[j]);
            i++;
            j--;
        }
        /* recurse into the smaller side, loop on the larger */
        size_t left = j + 1;
        if (left < n - left) {
            sort_serial_small(a, left);
            a += left;
            n -= left;
        } else {
            sort_serial_small(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* One merge step from the front: the smaller head goes to dst[k]. Written
 * with an int flag and two separate increments so that gcc, like clang,
 * compiles it to compare, cmov and adc/sbb with no branch. */
#define SORT_TAKE_FRONT(a, i, b, j, dst, k)                                 \
    do {                                                                    \
        uint64_t x_ = (a)[i], y_ = (b)[j];                                  \
        int lt_ = y_ < x_;                                                  \
        (dst)[(k)++] = lt_ ? y_ : x_;                                       \
        (j) += lt_;                                                         \
        (i) += !lt_;                                                        \
    } while (0)

/* Merges sorted a[0, na) and b[0, nb) into dst[0, na + nb) from both ends
 * at once: each round puts the smallest remaining element at the front and
 * the largest at the back. The two steps do not depend on each other, so
 * the CPU overlaps their loads and compares; a one-ended merge waits on
 * every compare before its next load. The rounds run while each input has
 * at least two elements left, so the two ends never take the same element;
 * a front-only merge finishes the rest. */
static inline void sort_merge_serial(const uint64_t *a, size_t na,
                                     const uint64_t *b, size_t nb, uint64_t *dst)
{
    size_t i = 0, j = 0, k = 0;
    if (na > 0 && nb > 0) {
        size_t ia = na - 1, jb = nb - 1, kd = na + nb - 1; /* back cursors */
        while (i < ia && j < jb) {
            SORT_TAKE_FRONT(a, i, b, j, dst, k);
            uint64_t u = a[ia], v = b[jb];
            int gt = u > v;
            dst[kd--] = gt ? u : v;
            ia -= gt;
            jb -= !gt;
        }
        na = ia + 1;
        nb = jb + 1;
    }
    while (i < na && j < nb)
        SORT_TAKE_FRONT(a, i, b, j, dst, k);
    while (i < na)
        dst[k++] = a[i++];
    while (j < nb)
        dst[k++] = b[j++];
}

/* The first index of b[0, nb) whose element is >= v. */
static inline size_t sort_lower_bound(const uint64_t *b, size_t nb, uint64_t v)
{
    size_t lo = 0, hi = nb;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

#endif /* BENCH_SORT_H */
