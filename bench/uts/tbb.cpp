// uts, oneTBB: a task_group per node, one task per child, wait, sum.
#include "common/tbb_util.h"
#include "uts.h"

#include <vector>

#include <tbb/task_group.h>

static uint64_t uts(uint64_t id)
{
    uint64_t h = uts_hash(id), count = 1, sub[UTS_KIDS];
    int k = uts_nkids(h);
    if (k > 0) {
        tbb::task_group g;
        for (int i = 0; i < k; i++)
            g.run([=, &sub] { sub[i] = uts(h + (uint64_t)i + 1); });
        g.wait();
        for (int i = 0; i < k; i++)
            count += sub[i];
    }
    return count;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    auto gc = bench_tbb_setup(threads);
    std::vector<uint64_t> sub((size_t)n + 1);
    bench_clock c = bench_start();
    uint64_t h = uts_hash(UTS_ROOT_ID), r = 1;
    tbb::task_group g;
    for (long i = 0; i < n; i++)
        g.run([=, &sub] { sub[i] = uts(h + (uint64_t)i + 1); });
    g.wait();
    for (long i = 0; i < n; i++)
        r += sub[i];
    bench_clock e = bench_stop(c);
    uts_check(n, r);
    bench_report_u64("uts", threads, n, r, e);
    return 0;
}
