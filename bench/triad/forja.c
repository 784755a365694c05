/* triad, forja: one fj_for per sweep, grain 0 (forja picks the splits),
 * called from the main thread. */
#include "common/forja_util.h"
#include "triad.h"

struct sweep { const triad *t; double s; };

static void body(size_t lo, size_t hi, void *arg)
{
    const struct sweep *w = arg;
    triad_range(w->t, lo, hi, w->s);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    triad t = triad_make(n);
    bench_clock c = bench_start();
    for (int s = 1; s <= TRIAD_SWEEPS; s++) {
        struct sweep w = { &t, (double)s };
        int rc = fj_for(pool, 0, (size_t)n, 0, body, &w);
        if (rc != 0)
            bench_fail("fj_for: error %d", rc);
    }
    bench_clock e = bench_stop(c);
    bench_report_u64("triad", threads, n, triad_check(&t), e);
    triad_free(&t);
    bench_forja_done(pool);
    return 0;
}
