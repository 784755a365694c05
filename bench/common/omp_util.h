/* omp_util.h - OpenMP setup shared by the omp-gcc and omp-llvm programs (one
 * source, two compilers): the thread count as OpenMP documents it
 * (omp_set_num_threads), and a warm-up parallel region so the team exists
 * before timing. Wait policy and spin counts stay at each runtime's defaults. */
#ifndef BENCH_OMP_UTIL_H
#define BENCH_OMP_UTIL_H

#include <omp.h>

#include "bench.h"

static inline void bench_omp_setup(int threads)
{
    omp_set_dynamic(0);
    omp_set_num_threads(threads);
    int seen = 0;
    for (int i = 0; i < 3; i++) {
#pragma omp parallel
        {
#pragma omp single
            seen = omp_get_num_threads();
        }
    }
    if (seen != threads)
        bench_fail("OpenMP gave %d threads, asked for %d", seen, threads);
}

#endif /* BENCH_OMP_UTIL_H */
