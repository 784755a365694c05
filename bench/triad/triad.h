/* triad: STREAM's triad, a[i] = b[i] + s*c[i], over arrays of n doubles:
 * memory-bound and perfectly uniform, the case where a loop scheduler must
 * not cost anything. The timed region is TRIAD_SWEEPS sweeps (s = 1, 2, ...),
 * each its own parallel loop, so one sweep's start-up counts as it would in a
 * program. Arrays are allocated and touched before timing. Values are small
 * integers, so every result is exact and checked element by element.
 * bench_clobber() after each sweep keeps the compiler from dropping all but
 * the last sweep of the serial loop (their stores are dead otherwise). */
#ifndef BENCH_TRIAD_H
#define BENCH_TRIAD_H

#include "common/bench.h"

#define TRIAD_SWEEPS 10
/* OpenMP schedule(dynamic, chunk) variant (omp-*-dyn): 64 KiB of each array
 * per chunk, large enough for the hardware prefetchers. */
#define TRIAD_OMP_CHUNK 8192

typedef struct triad { double *a, *b, *c; long n; } triad;

static inline triad triad_make(long n)
{
    triad t;
    size_t bytes = ((size_t)n * sizeof(double) + 63) / 64 * 64 + 64;
    t.a = (double *)aligned_alloc(64, bytes);
    t.b = (double *)aligned_alloc(64, bytes);
    t.c = (double *)aligned_alloc(64, bytes);
    if (!t.a || !t.b || !t.c)
        bench_fail("out of memory");
    for (long i = 0; i < n; i++) {
        t.a[i] = 0.0;
        t.b[i] = (double)(i & 1023);
        t.c[i] = (double)(i % 7);
    }
    t.n = n;
    return t;
}

static inline void triad_range(const triad *t, size_t lo, size_t hi, double s)
{
    double *__restrict a = t->a;
    const double *__restrict b = t->b, *__restrict c = t->c;
    for (size_t i = lo; i < hi; i++)
        a[i] = b[i] + s * c[i];
}

/* Checks the last sweep (s = TRIAD_SWEEPS); returns the exact sum of a. */
static inline uint64_t triad_check(const triad *t)
{
    uint64_t sum = 0;
    for (long i = 0; i < t->n; i++) {
        uint64_t want = (uint64_t)(i & 1023) + (uint64_t)TRIAD_SWEEPS * (uint64_t)(i % 7);
        if (t->a[i] != (double)want)
            bench_fail("triad(%ld): a[%ld] = %g, expected %" PRIu64, t->n, i, t->a[i], want);
        sum += want;
    }
    return sum;
}

static inline void triad_free(triad *t)
{
    free(t->a);
    free(t->b);
    free(t->c);
}

#endif /* BENCH_TRIAD_H */
