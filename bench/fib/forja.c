/* fib, forja: a typed task (FJ_TASK): FJ_SPAWN fib(n-1), FJ_CALL fib(n-2),
 * FJ_SYNC; root via fj_run. fib/forja-group.c is the same with fj_spawn and
 * fj_sync (a group and a void * argument per task). */
#include "common/forja_util.h"
#include "fib.h"

FJ_TASK(uint64_t, fib_t, long, n)
{
    if (n < 2)
        return (uint64_t)n;
    FJ_SPAWN(fib_t, n - 1);
    uint64_t b = FJ_CALL(fib_t, n - 2);
    return FJ_SYNC(fib_t) + b;
}

struct fib_job { long n; uint64_t r; };

static void fib_root(void *p)
{
    struct fib_job *j = p;
    j->r = fib_t(j->n);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    struct fib_job j = { n, 0 };
    bench_clock c = bench_start();
    int rc = fj_run(pool, fib_root, &j);
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_run: error %d", rc);
    fib_check(n, j.r);
    bench_report_u64("fib", threads, n, j.r, e);
    bench_forja_done(pool);
    return 0;
}
