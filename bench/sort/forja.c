/* sort, forja: cilksort with fj_spawn/fj_sync for the four quarter sorts,
 * the two pairwise merges, and both halves of every parallel merge. */
#include "common/forja_util.h"
#include "sort.h"

struct msort_arg { uint64_t *a, *tmp; size_t n; };
struct merge_arg { const uint64_t *a, *b; size_t na, nb; uint64_t *dst; };

static void pmerge(void *p)
{
    struct merge_arg *m = p;
    const uint64_t *a = m->a, *b = m->b;
    size_t na = m->na, nb = m->nb;
    if (na < nb) {
        const uint64_t *t = a; a = b; b = t;
        size_t tn = na; na = nb; nb = tn;
    }
    if (na + nb <= MERGE_CUT) {
        sort_merge_serial(a, na, b, nb, m->dst);
        return;
    }
    size_t ma = na / 2, mb = sort_lower_bound(b, nb, a[ma]);
    m->dst[ma + mb] = a[ma];
    struct merge_arg lo = { a, b, ma, mb, m->dst };
    struct merge_arg hi = { a + ma + 1, b + mb, na - ma - 1, nb - mb, m->dst + ma + mb + 1 };
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, pmerge, &lo);
    pmerge(&hi);
    fj_sync(&g);
}

static void psort(void *p)
{
    struct msort_arg *s = p;
    uint64_t *a = s->a, *tmp = s->tmp;
    size_t n = s->n;
    if (n <= SORT_CUT) {
        sort_serial_small(a, n);
        return;
    }
    size_t q = n / 4;
    struct msort_arg part[4] = {
        { a, tmp, q }, { a + q, tmp + q, q }, { a + 2 * q, tmp + 2 * q, q },
        { a + 3 * q, tmp + 3 * q, n - 3 * q } };
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, psort, &part[0]);
    fj_spawn(&g, psort, &part[1]);
    fj_spawn(&g, psort, &part[2]);
    psort(&part[3]);
    fj_sync(&g);
    struct merge_arg m1 = { a, a + q, q, q, tmp };
    struct merge_arg m2 = { a + 2 * q, a + 3 * q, q, n - 3 * q, tmp + 2 * q };
    fj_spawn(&g, pmerge, &m1);
    pmerge(&m2);
    fj_sync(&g);
    struct merge_arg m3 = { tmp, tmp + 2 * q, 2 * q, n - 2 * q, a };
    pmerge(&m3);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    sort_data d = sort_input(n);
    struct msort_arg root = { d.a, d.tmp, (size_t)n };
    bench_clock e = bench_forja_run(pool, psort, &root);
    sort_done(&d, threads, e);
    bench_forja_done(pool);
    return 0;
}
