/* uts, OpenMP: a task per child at every node, taskwait, sum. */
#include "common/omp_util.h"
#include "uts.h"

static uint64_t uts(uint64_t id)
{
    uint64_t h = uts_hash(id), count = 1, sub[UTS_KIDS];
    int k = uts_nkids(h);
    for (int i = 0; i < k; i++) {
#pragma omp task firstprivate(i) shared(sub)
        sub[i] = uts(h + (uint64_t)i + 1);
    }
#pragma omp taskwait
    for (int i = 0; i < k; i++)
        count += sub[i];
    return count;
}

static uint64_t uts_root(long n, uint64_t *sub)
{
    uint64_t h = uts_hash(UTS_ROOT_ID), count = 1;
    for (long i = 0; i < n; i++) {
#pragma omp task firstprivate(i)
        sub[i] = uts(h + (uint64_t)i + 1);
    }
#pragma omp taskwait
    for (long i = 0; i < n; i++)
        count += sub[i];
    return count;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_omp_setup(threads);
    uint64_t *sub = calloc((size_t)n + 1, sizeof *sub), r = 0;
    if (!sub)
        bench_fail("out of memory");
    bench_clock c = bench_start();
#pragma omp parallel
    {
#pragma omp single
        r = uts_root(n, sub);
    }
    bench_clock e = bench_stop(c);
    uts_check(n, r);
    bench_report_u64("uts", threads, n, r, e);
    free(sub);
    return 0;
}
