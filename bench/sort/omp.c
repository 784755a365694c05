/* sort, OpenMP: cilksort with tasks: the four quarter sorts, the two
 * pairwise merges and both halves of every parallel merge are tasks. */
#include "common/omp_util.h"
#include "sort.h"

static void pmerge(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, uint64_t *dst)
{
    if (na < nb) {
        const uint64_t *t = a; a = b; b = t;
        size_t tn = na; na = nb; nb = tn;
    }
    if (na + nb <= MERGE_CUT) {
        sort_merge_serial(a, na, b, nb, dst);
        return;
    }
    size_t ma = na / 2, mb = sort_lower_bound(b, nb, a[ma]);
    dst[ma + mb] = a[ma];
#pragma omp task
    pmerge(a, ma, b, mb, dst);
    pmerge(a + ma + 1, na - ma - 1, b + mb, nb - mb, dst + ma + mb + 1);
#pragma omp taskwait
}

static void psort(uint64_t *a, uint64_t *tmp, size_t n)
{
    if (n <= SORT_CUT) {
        sort_serial_small(a, n);
        return;
    }
    size_t q = n / 4;
#pragma omp task
    psort(a, tmp, q);
#pragma omp task
    psort(a + q, tmp + q, q);
#pragma omp task
    psort(a + 2 * q, tmp + 2 * q, q);
    psort(a + 3 * q, tmp + 3 * q, n - 3 * q);
#pragma omp taskwait
#pragma omp task
    pmerge(a, q, a + q, q, tmp);
    pmerge(a + 2 * q, q, a + 3 * q, n - 3 * q, tmp + 2 * q);
#pragma omp taskwait
    pmerge(tmp, 2 * q, tmp + 2 * q, n - 2 * q, a);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_omp_setup(threads);
    sort_data d = sort_input(n);
    bench_clock c = bench_start();
#pragma omp parallel
    {
#pragma omp single
        psort(d.a, d.tmp, (size_t)n);
    }
    bench_clock e = bench_stop(c);
    sort_done(&d, threads, e);
    return 0;
}
