/* nqueens: count the placements of n non-attacking queens. One task per legal
 * placement at every level (the last row included), each with its own copy
 * of the board, no cutoff: the BOTS nqueens structure. The serial baseline
 * runs the same recursion, copies included, so T1/Ts is the task overhead. */
#ifndef BENCH_NQUEENS_H
#define BENCH_NQUEENS_H

#include "common/bench.h"

#define NQ_MAX 20

/* Column of the queen in each of the first rows; a task owns its copy. */
typedef struct nq_board { signed char col[NQ_MAX]; } nq_board;

/* May a queen go to (row, c) given the queens in rows [0, row)? */
static inline int nq_ok(const nq_board *b, int row, int c)
{
    for (int r = 0; r < row; r++) {
        int d = b->col[r] - c;
        if (d == 0 || d == row - r || d == r - row)
            return 0;
    }
    return 1;
}

/* The board of a child task: b with a queen added at (row, c). */
static inline void nq_place(nq_board *child, const nq_board *b, int row, int c)
{
    memcpy(child->col, b->col, (size_t)row);
    child->col[row] = (signed char)c;
}

static inline void nq_args(long n)
{
    if (n < 1 || n > NQ_MAX)
        bench_fail("nqueens: n must be in [1, %d]", NQ_MAX);
}

static inline void nq_check(long n, uint64_t r)
{
    /* OEIS A000170 */
    static const uint64_t known[NQ_MAX + 1] = {
        1, 1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680, 14200, 73712, 365596,
        2279184, 14772512, 95815104, 666090624, 4968057848ull, 39029188884ull };
    nq_args(n);
    if (r != known[n])
        bench_fail("nqueens(%ld) = %" PRIu64 ", expected %" PRIu64, n, r, known[n]);
}

#endif /* BENCH_NQUEENS_H */
