/* uts, forja: a typed task (FJ_TASK) per node: it FJ_SPAWNs its children and
 * sums their FJ_SYNCs; the root's n children are spawned by a tree of span
 * tasks (see uts_span_t). uts/forja-group.c is the same with fj_spawn and
 * fj_sync. */
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

/* The root's children [lo, hi): halves are spawned until a span holds at
 * most UTS_SPAN children, which are spawned one by one. Spawning all n from
 * one task would fill the deque (8192 slots) at the large size (n = 11000),
 * and the children past it would run at once, one after another, on the
 * root's worker: 15% of that tree's nodes, so at most 6.6x on 16 cores. */
#define UTS_SPAN 32
struct uts_span { uint64_t h; long lo, hi; };

FJ_TASK(uint64_t, uts_span_t, struct uts_span, s)
{
    uint64_t count = 0;
    if (s.hi - s.lo > UTS_SPAN) {
        long mid = s.lo + (s.hi - s.lo) / 2;
        FJ_SPAWN(uts_span_t, ((struct uts_span){ s.h, s.lo, mid }));
        count = FJ_CALL(uts_span_t, ((struct uts_span){ s.h, mid, s.hi }));
        return count + FJ_SYNC(uts_span_t);
    }
    for (long i = s.lo; i < s.hi; i++)
        FJ_SPAWN(uts_node, s.h + (uint64_t)i + 1);
    for (long i = s.lo; i < s.hi; i++)
        count += FJ_SYNC(uts_node);
    return count;
}

struct uts_job { long n; uint64_t count; };

static void uts_job_run(void *p)
{
    struct uts_job *j = p;
    j->count = 1 + uts_span_t((struct uts_span){ uts_hash(UTS_ROOT_ID), 0, j->n });
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    struct uts_job j = { n, 0 };
    bench_clock e = bench_forja_run(pool, uts_job_run, &j);
    uts_check(n, j.count);
    bench_report_u64("uts", threads, n, j.count, e);
    bench_forja_done(pool);
    return 0;
}
