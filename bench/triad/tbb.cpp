// triad, oneTBB: parallel_for over a blocked_range, auto_partitioner, per sweep.
#include "common/tbb_util.h"
#include "triad.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    auto gc = bench_tbb_setup(threads);
    triad t = triad_make(n);
    bench_clock c = bench_start();
    for (int s = 1; s <= TRIAD_SWEEPS; s++)
        tbb::parallel_for(
            tbb::blocked_range<size_t>(0, (size_t)n),
            [&t, s](const tbb::blocked_range<size_t> &r) {
                triad_range(&t, r.begin(), r.end(), (double)s);
            },
            tbb::auto_partitioner());
    bench_clock e = bench_stop(c);
    bench_report_u64("triad", threads, n, triad_check(&t), e);
    triad_free(&t);
    return 0;
}
