/* nqueens, serial: the same recursion as the parallel versions, board copy
 * per placement included, calls instead of tasks. */
#include "nqueens.h"

static uint64_t nq(int n, int row, const nq_board *b)
{
    if (row == n)
        return 1;
    uint64_t count = 0;
    for (int c = 0; c < n; c++) {
        if (!nq_ok(b, row, c))
            continue;
        nq_board child;
        nq_place(&child, b, row, c);
        count += nq(n, row + 1, &child);
    }
    return count;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    nq_args(n);
    nq_board empty = { { 0 } };
    bench_clock c = bench_start();
    uint64_t r = nq((int)n, 0, &empty);
    bench_clock e = bench_stop(c);
    nq_check(n, r);
    bench_report_u64("nqueens", threads, n, r, e);
    return 0;
}
