// sort, oneTBB: cilksort with tbb::parallel_invoke (oneTBB's documented
// form for a fixed set of parallel calls) for the quarter sorts, the
// pairwise merges and both halves of every parallel merge.
#include "common/tbb_util.h"
#include "sort.h"

#include <utility>

#include <tbb/parallel_invoke.h>

static void pmerge(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, uint64_t *dst)
{
    if (na < nb) {
        std::swap(a, b);
        std::swap(na, nb);
    }
    if (na + nb <= MERGE_CUT) {
        sort_merge_serial(a, na, b, nb, dst);
        return;
    }
    size_t ma = na / 2, mb = sort_lower_bound(b, nb, a[ma]);
    dst[ma + mb] = a[ma];
    tbb::parallel_invoke(
        [=] { pmerge(a, ma, b, mb, dst); },
        [=] { pmerge(a + ma + 1, na - ma - 1, b + mb, nb - mb, dst + ma + mb + 1); });
}

static void psort(uint64_t *a, uint64_t *tmp, size_t n)
{
    if (n <= SORT_CUT) {
        sort_serial_small(a, n);
        return;
    }
    size_t q = n / 4;
    tbb::parallel_invoke(
        [=] { psort(a, tmp, q); },
        [=] { psort(a + q, tmp + q, q); },
        [=] { psort(a + 2 * q, tmp + 2 * q, q); },
        [=] { psort(a + 3 * q, tmp + 3 * q, n - 3 * q); });
    tbb::parallel_invoke(
        [=] { pmerge(a, q, a + q, q, tmp); },
        [=] { pmerge(a + 2 * q, q, a + 3 * q, n - 3 * q, tmp + 2 * q); });
    pmerge(tmp, 2 * q, tmp + 2 * q, n - 2 * q, a);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    auto gc = bench_tbb_setup(threads);
    sort_data d = sort_input(n);
    bench_clock c = bench_start();
    psort(d.a, d.tmp, (size_t)n);
    bench_clock e = bench_stop(c);
    sort_done(&d, threads, e);
    return 0;
}
