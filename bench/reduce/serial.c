/* reduce, serial: the loop. */
#include "reduce.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    double inv = 1.0 / (double)(n > 0 ? n : 1);
    bench_clock c = bench_start();
    double r = reduce_range(0, (size_t)n, inv);
    bench_clock e = bench_stop(c);
    reduce_report(n, threads, r, e);
    return 0;
}
