// nqueens, oneTBB: one task_group task per legal placement, the board
// captured by value (its copy), per-child counts summed after wait. No cutoff.
#include "common/tbb_util.h"
#include "nqueens.h"

#include <tbb/task_group.h>

static uint64_t nq(int n, int row, const nq_board &b)
{
    if (row == n)
        return 1;
    uint64_t counts[NQ_MAX] = { 0 };
    tbb::task_group g;
    for (int c = 0; c < n; c++) {
        if (!nq_ok(&b, row, c))
            continue;
        nq_board child;
        nq_place(&child, &b, row, c);
        g.run([n, row, child, c, &counts] { counts[c] = nq(n, row + 1, child); });
    }
    g.wait();
    uint64_t count = 0;
    for (int c = 0; c < n; c++)
        count += counts[c];
    return count;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    nq_args(n);
    auto gc = bench_tbb_setup(threads);
    nq_board empty = { { 0 } };
    bench_clock c = bench_start();
    uint64_t r = nq((int)n, 0, empty);
    bench_clock e = bench_stop(c);
    nq_check(n, r);
    bench_report_u64("nqueens", threads, n, r, e);
    return 0;
}
