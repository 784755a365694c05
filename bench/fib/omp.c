/* fib, OpenMP (omp-gcc and omp-llvm): the textbook task version from the
 * OpenMP examples document: one thread starts the recursion inside
 * parallel + single; each call makes fib(n-1) a task, computes fib(n-2)
 * itself and taskwaits. No cutoff (no if/final clause): that is the test. */
#include "common/omp_util.h"
#include "fib.h"

static uint64_t fib(long n)
{
    if (n < 2)
        return (uint64_t)n;
    uint64_t x, y;
#pragma omp task shared(x) firstprivate(n)
    x = fib(n - 1);
    y = fib(n - 2);
#pragma omp taskwait
    return x + y;
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_omp_setup(threads);
    uint64_t r = 0;
    bench_clock c = bench_start();
#pragma omp parallel
    {
#pragma omp single
        r = fib(n);
    }
    bench_clock e = bench_stop(c);
    fib_check(n, r);
    bench_report_u64("fib", threads, n, r, e);
    return 0;
}
