/* uts, serial: the same tree walked by plain recursion. */
#include "uts.h"

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_clock c = bench_start();
    uint64_t r = uts_tree_serial(n);
    bench_clock e = bench_stop(c);
    /* The check would recount the same function: compare with the count of
     * an independent walk instead (children summed in the reverse order). */
    uint64_t h = uts_hash(UTS_ROOT_ID), again = 1;
    for (long i = n - 1; i >= 0; i--)
        again += uts_count_serial(h + (uint64_t)i + 1);
    if (again != r)
        bench_fail("uts(%ld): %" PRIu64 " then %" PRIu64 " nodes", n, r, again);
    bench_report_u64("uts", threads, n, r, e);
    return 0;
}
