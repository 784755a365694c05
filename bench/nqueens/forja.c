/* nqueens, forja: a typed task (FJ_TASK) per legal placement; its argument,
 * copied into the task's slot at FJ_SPAWN, carries the board. Counts are
 * summed from the FJ_SYNCs. nqueens/forja-group.c is the same with
 * fj_spawn/fj_sync and the boards in the parent's frame. */
#include "common/forja_util.h"
#include "nqueens.h"

struct nq_arg { int n, row; nq_board b; };

FJ_TASK(uint64_t, nq, struct nq_arg, t)
{
    if (t.row == t.n)
        return 1;
    int k = 0;
    struct nq_arg kid = { t.n, t.row + 1, { { 0 } } };
    for (int c = 0; c < t.n; c++) {
        if (!nq_ok(&t.b, t.row, c))
            continue;
        nq_place(&kid.b, &t.b, t.row, c);
        FJ_SPAWN(nq, kid);
        k++;
    }
    uint64_t count = 0;
    while (k-- > 0)
        count += FJ_SYNC(nq);
    return count;
}

struct nq_job { struct nq_arg root; uint64_t count; };

static void nq_root(void *p)
{
    struct nq_job *j = p;
    j->count = nq(j->root);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    nq_args(n);
    fj_pool *pool = bench_forja_pool(threads);
    struct nq_job j = { { (int)n, 0, { { 0 } } }, 0 };
    bench_clock c = bench_start();
    int rc = fj_run(pool, nq_root, &j);
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_run: error %d", rc);
    nq_check(n, j.count);
    bench_report_u64("nqueens", threads, n, j.count, e);
    bench_forja_done(pool);
    return 0;
}
