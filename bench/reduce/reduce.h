/* reduce: sum of x*x for x = i/n, i in [0, n): a compute-bound reduction with
 * no memory traffic (the doubles are computed on the fly). Checked against
 * the closed form (n-1)(2n-1)/(6n) to a relative 1e-9 (summation order
 * differs between runtimes and runs). */
#ifndef BENCH_REDUCE_H
#define BENCH_REDUCE_H

#include <math.h>

#include "common/bench.h"

/* OpenMP schedule(dynamic, chunk) variant (omp-*-dyn). */
#define REDUCE_OMP_CHUNK 16384

static inline double reduce_range(size_t lo, size_t hi, double inv)
{
    double s = 0.0;
    /* Signed conversion: indices are < 2^63, and an unsigned one costs a
     * sign test per iteration (the serial and OpenMP loops use long too). */
    for (size_t i = lo; i < hi; i++) {
        double x = (double)(int64_t)i * inv;
        s += x * x;
    }
    return s;
}

static inline void reduce_report(long n, int threads, double r, bench_clock e)
{
    double want = n > 0 ? ((double)n - 1.0) * (2.0 * (double)n - 1.0) / (6.0 * (double)n) : 0.0;
    if (fabs(r - want) > 1e-9 * fabs(want))
        bench_fail("reduce(%ld) = %.17g, expected %.17g", n, r, want);
    char buf[40];
    snprintf(buf, sizeof buf, "%.12g", r);
    bench_report("reduce", threads, n, buf, e);
}

#endif /* BENCH_REDUCE_H */
