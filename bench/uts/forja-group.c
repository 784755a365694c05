/* uts, forja-group: every node fj_spawns its children and fj_syncs; the root
 * spawns its n children from one task. uts/forja.c is the typed version
 * (FJ_TASK). */
#include "common/forja_util.h"
#include "uts.h"

struct uts_node { uint64_t id, count; };

static void uts_task(void *p)
{
    struct uts_node *t = p;
    uint64_t h = uts_hash(t->id), count = 1;
    int k = uts_nkids(h);
    if (k > 0) {
        struct uts_node kids[UTS_KIDS];
        fj_group g = FJ_GROUP_INIT;
        for (int i = 0; i < k; i++) {
            kids[i].id = h + (uint64_t)i + 1;
            kids[i].count = 0;
            fj_spawn(&g, uts_task, &kids[i]);
        }
        fj_sync(&g);
        for (int i = 0; i < k; i++)
            count += kids[i].count;
    }
    t->count = count;
}

struct uts_root { long n; struct uts_node *kids; uint64_t count; };

static void uts_root_task(void *p)
{
    struct uts_root *r = p;
    uint64_t h = uts_hash(UTS_ROOT_ID), count = 1;
    fj_group g = FJ_GROUP_INIT;
    for (long i = 0; i < r->n; i++) {
        r->kids[i].id = h + (uint64_t)i + 1;
        r->kids[i].count = 0;
        fj_spawn(&g, uts_task, &r->kids[i]);
    }
    fj_sync(&g);
    for (long i = 0; i < r->n; i++)
        count += r->kids[i].count;
    r->count = count;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    struct uts_root root = { n, calloc((size_t)n + 1, sizeof(struct uts_node)), 0 };
    if (!root.kids)
        bench_fail("out of memory");
    bench_clock c = bench_start();
    int rc = fj_run(pool, uts_root_task, &root);
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_run: error %d", rc);
    uts_check(n, root.count);
    bench_report_u64("uts", threads, n, root.count, e);
    free(root.kids);
    bench_forja_done(pool);
    return 0;
}
