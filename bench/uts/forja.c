/* uts, forja: a typed task (FJ_TASK) per node: it FJ_SPAWNs its children and
 * sums their FJ_SYNCs; the root spawns its n children from one task (past
 * the deque's 8192 slots, the rest run at once as they are spawned).
 * uts/forja-group.c is the same with fj_spawn/fj_sync. */
#include "common/forja_util.h"
#include "uts.h"

FJ_TASK(uint64_t, uts_node, uint64_t, id)
{
    uint64_t h = uts_hash(id), count = 1;
    int k = uts_nkids(h);
    for (int i = 0; i < k; i++)
        FJ_SPAWN(uts_node, h + (uint64_t)i + 1);
    for (int i = 0; i < k; i++)
        count += FJ_SYNC(uts_node);
    return count;
}

FJ_TASK(uint64_t, uts_root, long, n)
{
    uint64_t h = uts_hash(UTS_ROOT_ID), count = 1;
    for (long i = 0; i < n; i++)
        FJ_SPAWN(uts_node, h + (uint64_t)i + 1);
    for (long i = 0; i < n; i++)
        count += FJ_SYNC(uts_node);
    return count;
}

struct uts_job { long n; uint64_t count; };

static void uts_job_run(void *p)
{
    struct uts_job *j = p;
    j->count = uts_root(j->n);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    struct uts_job j = { n, 0 };
    bench_clock c = bench_start();
    int rc = fj_run(pool, uts_job_run, &j);
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_run: error %d", rc);
    uts_check(n, j.count);
    bench_report_u64("uts", threads, n, j.count, e);
    bench_forja_done(pool);
    return 0;
}
