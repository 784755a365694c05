/* sort, serial: the same four-way merge sort with serial merges. */
#include "sort.h"

static void msort(uint64_t *a, uint64_t *tmp, size_t n)
{
    if (n <= SORT_CUT) {
        sort_serial_small(a, n);
        return;
    }
    size_t q = n / 4;
    msort(a, tmp, q);
    msort(a + q, tmp + q, q);
    msort(a + 2 * q, tmp + 2 * q, q);
    msort(a + 3 * q, tmp + 3 * q, n - 3 * q);
    sort_merge_serial(a, q, a + q, q, tmp);
    sort_merge_serial(a + 2 * q, q, a + 3 * q, n - 3 * q, tmp + 2 * q);
    sort_merge_serial(tmp, 2 * q, tmp + 2 * q, n - 2 * q, a);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    sort_data d = sort_input(n);
    bench_clock c = bench_start();
    msort(d.a, d.tmp, (size_t)n);
    bench_clock e = bench_stop(c);
    sort_done(&d, threads, e);
    return 0;
}
