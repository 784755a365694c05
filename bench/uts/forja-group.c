/* uts, forja-group: every node fj_spawns its children and fj_syncs; the
 * root's n children are spawned by a tree of span tasks. uts/forja.c is the
 * typed version (FJ_TASK). */
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

/* The root's children kids[lo, hi): halves are spawned until a span holds
 * at most UTS_SPAN children, which are spawned one by one (as uts/forja.c
 * does: all n from one task would overflow the deque at the large size). */
#define UTS_SPAN 32
struct uts_span { struct uts_node *kids; uint64_t h; long lo, hi; uint64_t count; };

static void uts_span_task(void *p)
{
    struct uts_span *s = p;
    uint64_t count = 0;
    fj_group g = FJ_GROUP_INIT;
    if (s->hi - s->lo > UTS_SPAN) {
        long mid = s->lo + (s->hi - s->lo) / 2;
        struct uts_span left = { s->kids, s->h, s->lo, mid, 0 };
        struct uts_span right = { s->kids, s->h, mid, s->hi, 0 };
        fj_spawn(&g, uts_span_task, &left);
        uts_span_task(&right);
        fj_sync(&g);
        s->count = left.count + right.count;
        return;
    }
    for (long i = s->lo; i < s->hi; i++) {
        s->kids[i].id = s->h + (uint64_t)i + 1;
        s->kids[i].count = 0;
        fj_spawn(&g, uts_task, &s->kids[i]);
    }
    fj_sync(&g);
    for (long i = s->lo; i < s->hi; i++)
        count += s->kids[i].count;
    s->count = count;
}

struct uts_root { long n; struct uts_node *kids; uint64_t count; };

static void uts_root_task(void *p)
{
    struct uts_root *r = p;
    struct uts_span all = { r->kids, uts_hash(UTS_ROOT_ID), 0, r->n, 0 };
    uts_span_task(&all);
    r->count = 1 + all.count;
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
    bench_clock e = bench_forja_run(pool, uts_root_task, &root);
    uts_check(n, root.count);
    bench_report_u64("uts", threads, n, root.count, e);
    free(root.kids);
    bench_forja_done(pool);
    return 0;
}
