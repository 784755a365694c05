/* skynet, serial: the same tree as calls. */
#include "skynet.h"

static uint64_t skynet(uint64_t num, uint64_t size)
{
    if (size == 1)
        return num;
    uint64_t sub = size / 10, sum = 0;
    for (uint64_t i = 0; i < 10; i++)
        sum += skynet(num + i * sub, sub);
    return sum;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    skynet_args(n);
    bench_clock c = bench_start();
    uint64_t r = skynet(0, (uint64_t)n);
    bench_clock e = bench_stop(c);
    skynet_check(n, r);
    bench_report_u64("skynet", threads, n, r, e);
    return 0;
}
