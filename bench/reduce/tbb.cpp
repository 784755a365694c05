// reduce, oneTBB: parallel_reduce over a blocked_range, auto_partitioner.
#include "common/tbb_util.h"
#include "reduce.h"

#include <functional>

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    auto gc = bench_tbb_setup(threads);
    double inv = 1.0 / (double)(n > 0 ? n : 1);
    bench_clock c = bench_start();
    double r = tbb::parallel_reduce(
        tbb::blocked_range<size_t>(0, (size_t)n), 0.0,
        [inv](const tbb::blocked_range<size_t> &rg, double acc) {
            return acc + reduce_range(rg.begin(), rg.end(), inv);
        },
        std::plus<double>(), tbb::auto_partitioner());
    bench_clock e = bench_stop(c);
    reduce_report(n, threads, r, e);
    return 0;
}
