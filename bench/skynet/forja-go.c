/* skynet, forja goroutine style (runtime "forja-go"): written as the Go
 * version is: every node is a detached task (fj_go) that reports into its
 * parent's wait group; a parent fj_wg_wait's inside its task (the worker keeps
 * running other tasks meanwhile). The root is launched from main and waited
 * for from outside the pool, as Go's main goroutine would. */
#include "common/forja_util.h"
#include "skynet.h"

static fj_pool *pool;

struct sk { uint64_t num, size, sum; fj_wg *parent; };

static void sk_node(void *p)
{
    struct sk *t = p;
    if (t->size == 1) {
        t->sum = t->num;
        fj_wg_done(t->parent);
        return;
    }
    struct sk kids[10];
    fj_wg wg = FJ_WG_INIT;
    uint64_t sub = t->size / 10;
    fj_wg_add(&wg, 10);
    for (uint64_t i = 0; i < 10; i++) {
        kids[i].num = t->num + i * sub;
        kids[i].size = sub;
        kids[i].sum = 0;
        kids[i].parent = &wg;
        int rc = fj_go(pool, sk_node, &kids[i]);
        if (rc != 0)
            bench_fail("fj_go: error %d", rc);
    }
    fj_wg_wait(&wg);
    uint64_t sum = 0;
    for (int i = 0; i < 10; i++)
        sum += kids[i].sum;
    t->sum = sum;
    fj_wg_done(t->parent);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    skynet_args(n);
    pool = bench_forja_pool(threads);
    fj_wg done = FJ_WG_INIT;
    struct sk root = { 0, (uint64_t)n, 0, &done };
    bench_clock c = bench_start();
    fj_wg_add(&done, 1);
    int rc = fj_go(pool, sk_node, &root);
    if (rc != 0)
        bench_fail("fj_go: error %d", rc);
    fj_wg_wait(&done);
    bench_clock e = bench_stop(c);
    skynet_check(n, root.sum);
    bench_report_u64("skynet", threads, n, root.sum, e);
    bench_forja_done(pool);
    return 0;
}
