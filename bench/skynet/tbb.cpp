// skynet, oneTBB: each inner node runs its ten children in a task_group.
#include "common/tbb_util.h"
#include "skynet.h"

#include <tbb/task_group.h>

static uint64_t skynet(uint64_t num, uint64_t size)
{
    if (size == 1)
        return num;
    uint64_t sub = size / 10, sums[10];
    tbb::task_group g;
    for (uint64_t i = 0; i < 10; i++)
        g.run([=, &sums] { sums[i] = skynet(num + i * sub, sub); });
    g.wait();
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
    auto gc = bench_tbb_setup(threads);
    bench_clock c = bench_start();
    uint64_t r = skynet(0, (uint64_t)n);
    bench_clock e = bench_stop(c);
    skynet_check(n, r);
    bench_report_u64("skynet", threads, n, r, e);
    return 0;
}
