/* pfor, forja: fj_for with grain 0 (forja picks the splits), called from the
 * main thread. Each worker adds its sub-ranges' sums into a slot of its own
 * (fj_worker_id), on its own cache line, and the slots are summed after the
 * loop: per-thread partial sums, as OpenMP's reduction clause and oneTBB's
 * parallel_reduce keep them. (One atomic add per sub-range on a shared word
 * measured 183.4 against libgomp's 181.9 ms, interleaved medians of 21: a
 * sub-range lasts about 10 us, and the word moved between the two CPUs on
 * most of them.) */
#include "common/forja_util.h"
#include "pfor.h"

struct slot { _Alignas(64) uint64_t sum; };

static void body(size_t lo, size_t hi, void *arg)
{
    struct slot *slots = arg;
    slots[fj_worker_id()].sum += pfor_range(lo, hi);    /* only this worker's */
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    struct slot *slots = aligned_alloc(64, (size_t)threads * sizeof *slots);
    if (!slots)
        bench_fail("out of memory");
    memset(slots, 0, (size_t)threads * sizeof *slots);
    bench_clock c = bench_start();
    int rc = fj_for(pool, 0, (size_t)n, 0, body, slots);
    uint64_t r = 0;
    for (int i = 0; i < threads; i++)
        r += slots[i].sum;                      /* fj_for's return orders them */
    bench_clock e = bench_stop(c);
    if (rc != 0)
        bench_fail("fj_for: error %d", rc);
    free(slots);
    pfor_check(n, r);
    bench_report_u64("pfor", threads, n, r, e);
    bench_forja_done(pool);
    return 0;
}
