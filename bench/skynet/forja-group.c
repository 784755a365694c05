/* skynet, forja-group: every inner node fj_spawns its ten children into one
 * group, fj_syncs, and sums (skynet/forja.c: the typed version, FJ_TASK;
 * skynet-forja-go: the goroutine style). */
#include "common/forja_util.h"
#include "skynet.h"

struct sk { uint64_t num, size, sum; };

static void sk_task(void *p)
{
    struct sk *t = p;
    if (t->size == 1) {
        t->sum = t->num;
        return;
    }
    struct sk kids[10];
    uint64_t sub = t->size / 10;
    fj_group g = FJ_GROUP_INIT;
    for (uint64_t i = 0; i < 10; i++) {
        kids[i].num = t->num + i * sub;
        kids[i].size = sub;
        kids[i].sum = 0;
        fj_spawn(&g, sk_task, &kids[i]);
    }
    fj_sync(&g);
    uint64_t sum = 0;
    for (int i = 0; i < 10; i++)
        sum += kids[i].sum;
    t->sum = sum;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    skynet_args(n);
    fj_pool *pool = bench_forja_pool(threads);
    struct sk root = { 0, (uint64_t)n, 0 };
    bench_clock e = bench_forja_run(pool, sk_task, &root);
    skynet_check(n, root.sum);
    bench_report_u64("skynet", threads, n, root.sum, e);
    bench_forja_done(pool);
    return 0;
}
