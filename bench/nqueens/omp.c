/* nqueens, OpenMP: the BOTS task version: one task per legal placement, the
 * board copied into the task (firstprivate), per-child counts summed after
 * taskwait. No cutoff. */
#include "common/omp_util.h"
#include "nqueens.h"

static void nq(int n, int row, const nq_board *b, uint64_t *out)
{
    if (row == n) {
        *out = 1;
        return;
    }
    uint64_t counts[NQ_MAX] = { 0 };
    for (int c = 0; c < n; c++) {
        if (!nq_ok(b, row, c))
            continue;
        nq_board child;
        nq_place(&child, b, row, c);
#pragma omp task firstprivate(child, c) shared(counts)
        nq(n, row + 1, &child, &counts[c]);
    }
#pragma omp taskwait
    uint64_t count = 0;
    for (int c = 0; c < n; c++)
        count += counts[c];
    *out = count;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    nq_args(n);
    bench_omp_setup(threads);
    nq_board empty = { { 0 } };
    uint64_t r = 0;
    bench_clock c = bench_start();
#pragma omp parallel
    {
#pragma omp single
        nq((int)n, 0, &empty, &r);
    }
    bench_clock e = bench_stop(c);
    nq_check(n, r);
    bench_report_u64("nqueens", threads, n, r, e);
    return 0;
}
