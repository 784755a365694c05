/* fib, forja: a typed task (FJ_TASK): FJ_SPAWN fib(n-1), FJ_CALL fib(n-2),
 * FJ_SYNC; root via fj_run. fib/forja-group.c is the same with fj_spawn and
 * fj_sync (a group and a void * argument per task). */
#include "common/forja_util.h"      /* fib/forja_task.h: fib_t, fib_t_root */
#include "fib.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    struct fib_arg j = { n, 0 };
    bench_clock e = bench_forja_run(pool, fib_t_root, &j);
    fib_check(n, j.r);
    bench_report_u64("fib", threads, n, j.r, e);
    bench_forja_done(pool);
    return 0;
}
