/* triad, serial: the sweeps as plain loops. */
#include "triad.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    triad t = triad_make(n);
    bench_clock c = bench_start();
    for (int s = 1; s <= TRIAD_SWEEPS; s++) {
        triad_range(&t, 0, (size_t)n, (double)s);
        bench_clobber();
    }
    bench_clock e = bench_stop(c);
    bench_report_u64("triad", threads, n, triad_check(&t), e);
    triad_free(&t);
    return 0;
}
