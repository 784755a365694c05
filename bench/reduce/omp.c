/* reduce, OpenMP: parallel for reduction(+:) with schedule(static); built
 * with -DREDUCE_DYNAMIC as omp-*-dyn, schedule(dynamic, REDUCE_OMP_CHUNK). */
#include "common/omp_util.h"
#include "reduce.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_omp_setup(threads);
    double inv = 1.0 / (double)(n > 0 ? n : 1), r = 0.0;
    bench_clock c = bench_start();
#ifdef REDUCE_DYNAMIC
#pragma omp parallel for schedule(dynamic, REDUCE_OMP_CHUNK) reduction(+:r)
#else
#pragma omp parallel for schedule(static) reduction(+:r)
#endif
    for (long i = 0; i < n; i++) {
        double x = (double)i * inv;
        r += x * x;
    }
    bench_clock e = bench_stop(c);
    reduce_report(n, threads, r, e);
    return 0;
}
