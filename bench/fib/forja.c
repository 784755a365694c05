/* fib, forja: fj_spawn fib(n-1), call fib(n-2), fj_sync; root via fj_run. */
#include "common/forja_util.h"
#include "fib.h"

struct fib_arg { long n; uint64_t r; };

static void fib_task(void *p)
{
    struct fib_arg *a = p;
    if (a->n < 2) {
        a->r = (uint64_t)a->n;
        return;
    }
    struct fib_arg x = { a->n - 1, 0 }, y = { a->n - 2, 0 };
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, fib_task, &x);
    fib_task(&y);
    fj_sync(&g);
    a->r = x.r + y.r;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    struct fib_arg a = { n, 0 };
    bench_clock c = bench_start();
    int rc = fj_run(pool, fib_task, &a);
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_run: error %d", rc);
    fib_check(n, a.r);
    bench_report_u64("fib", threads, n, a.r, e);
    bench_forja_done(pool);
    return 0;
}
