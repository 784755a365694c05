/* reduce, forja: fj_reduce with grain 0 and a double accumulator, called
 * from the main thread; combine adds the right neighbour's partial sum. */
#include "common/forja_util.h"
#include "reduce.h"

static void body(size_t lo, size_t hi, void *acc, void *arg)
{
    *(double *)acc += reduce_range(lo, hi, *(const double *)arg);
}

static void combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    *(double *)acc += *(const double *)right;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    double inv = 1.0 / (double)(n > 0 ? n : 1), zero = 0.0, r = 0.0;
    bench_clock c = bench_start();
    int rc = fj_reduce(pool, 0, (size_t)n, 0, &r, sizeof r, &zero, body, combine, &inv);
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_reduce: error %d", rc);
    reduce_report(n, threads, r, e);
    bench_forja_done(pool);
    return 0;
}
