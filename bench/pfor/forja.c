/* pfor, forja: fj_for with grain 0 (forja picks the splits), called from the
 * main thread; each sub-range adds its partial sum with one atomic add. */
#include "common/forja_util.h"
#include "pfor.h"

static void body(size_t lo, size_t hi, void *arg)
{
    __atomic_fetch_add((uint64_t *)arg, pfor_range(lo, hi), __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    uint64_t r = 0;
    bench_clock c = bench_start();
    int rc = fj_for(pool, 0, (size_t)n, 0, body, &r);
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_for: error %d", rc);
    pfor_check(n, r);
    bench_report_u64("pfor", threads, n, r, e);
    bench_forja_done(pool);
    return 0;
}
