// fib, oneTBB: the task_group version from oneTBB's documentation (run the
// first call as a task, compute the second, wait). No cutoff.
#include "common/tbb_util.h"
#include "fib.h"

#include <tbb/task_group.h>

static uint64_t fib(long n)
{
    if (n < 2)
        return (uint64_t)n;
    uint64_t x, y;
    tbb::task_group g;
    g.run([&] { x = fib(n - 1); });
    y = fib(n - 2);
    g.wait();
    return x + y;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    auto gc = bench_tbb_setup(threads);
    bench_clock c = bench_start();
    uint64_t r = fib(n);
    bench_clock e = bench_stop(c);
    fib_check(n, r);
    bench_report_u64("fib", threads, n, r, e);
    return 0;
}
