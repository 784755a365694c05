/* triad, OpenMP: parallel for schedule(static) per sweep, as STREAM does;
 * built with -DTRIAD_DYNAMIC as the omp-*-dyn runtimes, schedule(dynamic,
 * TRIAD_OMP_CHUNK). */
#include "common/omp_util.h"
#include "triad.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_omp_setup(threads);
    triad t = triad_make(n);
    double *restrict a = t.a;
    const double *restrict b = t.b, *restrict cc = t.c;
    bench_clock c = bench_start();
    for (int sw = 1; sw <= TRIAD_SWEEPS; sw++) {
        double s = (double)sw;
#ifdef TRIAD_DYNAMIC
#pragma omp parallel for schedule(dynamic, TRIAD_OMP_CHUNK)
#else
#pragma omp parallel for schedule(static)
#endif
        for (long i = 0; i < n; i++)
            a[i] = b[i] + s * cc[i];
    }
    bench_clock e = bench_stop(c);
    bench_report_u64("triad", threads, n, triad_check(&t), e);
    triad_free(&t);
    return 0;
}
