// pfor, oneTBB: parallel_reduce over a blocked_range with the
// auto_partitioner (the default, named here), partial sums added.
#include "common/tbb_util.h"
#include "pfor.h"

#include <functional>

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    auto gc = bench_tbb_setup(threads);
    bench_clock c = bench_start();
    uint64_t r = tbb::parallel_reduce(
        tbb::blocked_range<size_t>(0, (size_t)n), (uint64_t)0,
        [](const tbb::blocked_range<size_t> &rg, uint64_t acc) {
            return acc + pfor_range(rg.begin(), rg.end());
        },
        std::plus<uint64_t>(), tbb::auto_partitioner());
    bench_clock e = bench_stop(c);
    pfor_check(n, r);
    bench_report_u64("pfor", threads, n, r, e);
    return 0;
}
