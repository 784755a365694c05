/* nqueens, forja: a typed task (FJ_TASK) per legal placement. Its argument
 * names the placement and the parent's frame (board and n, alive until the
 * parent's FJ_SYNC); the task first makes its own copy of that board with the
 * queen added, as the serial recursion copies per placement. Counts are summed
 * from the FJ_SYNCs. nqueens/forja-group.c is the fj_spawn/fj_sync version,
 * where the parent copies each child's board into its own frame.
 * (Building the copy in the parent and passing it in the argument measured
 * 87.5 ms at n = 12 on one worker, against 78.1 ms this way: the task's
 * wide copy of the argument read the board right after memcpy's narrow
 * stores wrote it, which store forwarding cannot serve. With n read from
 * the parent's frame the argument is 16 bytes, two registers: 79.4 -> 76.8
 * ms, interleaved medians of 7. The loop bound is a local copy of n: f's
 * address goes to the children, so a bound read from f.n was reloaded after
 * every FJ_SPAWN: 77.5 -> 75.6 ms, interleaved medians of 15, serial 66.1.) */
#include "common/forja_util.h"
#include "nqueens.h"

/* A task's frame: its board and n. A child's argument names its parent's
 * frame (alive until the parent's FJ_SYNC) and the placement, 16 bytes. */
struct nq_frame { nq_board b; int n; };
struct nq_arg { const struct nq_frame *f; int row, col; };

FJ_TASK(uint64_t, nq, struct nq_arg, a)
{
    struct nq_frame f;
    int n = a.f->n;
    f.n = n;
    nq_place(&f.b, &a.f->b, a.row, a.col);  /* this task's own board */
    int row = a.row + 1;
    if (row == n)
        return 1;
    int k = 0;
    for (int c = 0; c < n; c++) {
        if (!nq_ok(&f.b, row, c))
            continue;
        FJ_SPAWN(nq, ((struct nq_arg){ &f, row, c }));
        k++;
    }
    uint64_t count = 0;
    while (k-- > 0)
        count += FJ_SYNC(nq);
    return count;
}

/* The first row: n placements on the empty board. */
FJ_TASK(uint64_t, nq_top, int, n)
{
    struct nq_frame empty = { { { 0 } }, n };
    for (int c = 0; c < n; c++)
        FJ_SPAWN(nq, ((struct nq_arg){ &empty, 0, c }));
    uint64_t count = 0;
    for (int c = 0; c < n; c++)
        count += FJ_SYNC(nq);
    return count;
}

struct nq_job { int n; uint64_t count; };

static void nq_root(void *p)
{
    struct nq_job *j = p;
    j->count = nq_top(j->n);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    nq_args(n);
    fj_pool *pool = bench_forja_pool(threads);
    struct nq_job j = { (int)n, 0 };
    bench_clock e = bench_forja_run(pool, nq_root, &j);
    nq_check(n, j.count);
    bench_report_u64("nqueens", threads, n, j.count, e);
    bench_forja_done(pool);
    return 0;
}
