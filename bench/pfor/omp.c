/* pfor, OpenMP: parallel for schedule(dynamic, PFOR_OMP_CHUNK) with a
 * reduction, the documented remedy for uneven iterations. */
#include "common/omp_util.h"
#include "pfor.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_omp_setup(threads);
    uint64_t r = 0;
    bench_clock c = bench_start();
#pragma omp parallel for schedule(dynamic, PFOR_OMP_CHUNK) reduction(+:r)
    for (long i = 0; i < n; i++)
        r += pfor_iter((uint64_t)i);
    bench_clock e = bench_stop(c);
    pfor_check(n, r);
    bench_report_u64("pfor", threads, n, r, e);
    return 0;
}
