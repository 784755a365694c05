/* skynet, OpenMP: each inner node creates its ten children as tasks and
 * taskwaits; started by one thread in parallel + single. */
#include "common/omp_util.h"
#include "skynet.h"

static uint64_t skynet(uint64_t num, uint64_t size)
{
    if (size == 1)
        return num;
    uint64_t sub = size / 10, sums[10];
    for (uint64_t i = 0; i < 10; i++) {
#pragma omp task firstprivate(i) shared(sums)
        sums[i] = skynet(num + i * sub, sub);
    }
#pragma omp taskwait
    uint64_t sum = 0;
    for (int i = 0; i < 10; i++)
        sum += sums[i];
    return sum;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    skynet_args(n);
    bench_omp_setup(threads);
    uint64_t r = 0;
    bench_clock c = bench_start();
#pragma omp parallel
    {
#pragma omp single
        r = skynet(0, (uint64_t)n);
    }
    bench_clock e = bench_stop(c);
    skynet_check(n, r);
    bench_report_u64("skynet", threads, n, r, e);
    return 0;
}
