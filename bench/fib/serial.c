/* fib, serial: the plain recursion, the baseline every runtime is divided by. */
#include "fib.h"

static uint64_t fib(long n)
{
    return n < 2 ? (uint64_t)n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_clock c = bench_start();
    uint64_t r = fib(n);
    bench_clock e = bench_stop(c);
    fib_check(n, r);
    bench_report_u64("fib", threads, n, r, e);
    return 0;
}
