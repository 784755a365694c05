/* pfor, serial: the loop. */
#include "pfor.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_clock c = bench_start();
    uint64_t r = pfor_range(0, (size_t)n);
    bench_clock e = bench_stop(c);
    /* Recount from the top down so the check is not the timed code again. */
    uint64_t again = 0;
    for (long i = n - 1; i >= 0; i--)
        again += pfor_iter((uint64_t)i);
    if (again != r)
        bench_fail("pfor(%ld): %" PRIu64 " then %" PRIu64, n, r, again);
    bench_report_u64("pfor", threads, n, r, e);
    return 0;
}
