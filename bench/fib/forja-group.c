/* fib, forja-group: fj_spawn fib(n-1), call fib(n-2), fj_sync (a group and a
 * void * argument per task); root via fj_run. bench/fib/forja.c is the typed
 * version (FJ_TASK). */
#include "common/forja_util.h"
#include "fib.h"

#include "forja_task.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    struct fib_arg a = { n, 0 };
    bench_clock e = bench_forja_run(pool, fib_task, &a);
    fib_check(n, a.r);
    bench_report_u64("fib", threads, n, a.r, e);
    bench_forja_done(pool);
    return 0;
}
