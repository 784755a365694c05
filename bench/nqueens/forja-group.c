/* nqueens, forja-group: each legal placement is fj_spawn'ed with its own
 * board (in the parent's frame, alive until fj_sync); counts are summed after
 * fj_sync. nqueens/forja.c is the typed version (FJ_TASK). */
#include "common/forja_util.h"
#include "nqueens.h"

struct nq_task { int n, row; uint64_t count; nq_board b; };

static void nq_task(void *p)
{
    struct nq_task *t = p;
    if (t->row == t->n) {
        t->count = 1;
        return;
    }
    struct nq_task kids[NQ_MAX];
    fj_group g = FJ_GROUP_INIT;
    int k = 0;
    for (int c = 0; c < t->n; c++) {
        if (!nq_ok(&t->b, t->row, c))
            continue;
        kids[k].n = t->n;
        kids[k].row = t->row + 1;
        kids[k].count = 0;
        nq_place(&kids[k].b, &t->b, t->row, c);
        fj_spawn(&g, nq_task, &kids[k]);
        k++;
    }
    fj_sync(&g);
    uint64_t count = 0;
    for (int i = 0; i < k; i++)
        count += kids[i].count;
    t->count = count;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    nq_args(n);
    fj_pool *pool = bench_forja_pool(threads);
    struct nq_task root = { (int)n, 0, 0, { { 0 } } };
    bench_clock e = bench_forja_run(pool, nq_task, &root);
    nq_check(n, root.count);
    bench_report_u64("nqueens", threads, n, root.count, e);
    bench_forja_done(pool);
    return 0;
}
