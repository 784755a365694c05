/* skynet: the goroutine benchmark (github.com/atemerev/skynet): a 10-ary tree
 * of tasks; n leaves (a power of ten; 10^6 = 6 levels, 1,111,111 tasks); leaf
 * i returns i; every inner node starts all ten children as tasks and sums
 * them. Result n(n-1)/2 (499999500000 for 10^6). */
#ifndef BENCH_SKYNET_H
#define BENCH_SKYNET_H

#include "common/bench.h"

static inline void skynet_args(long n)
{
    long p = 1;
    while (p < n)
        p *= 10;
    if (n < 1 || p != n)
        bench_fail("skynet: n must be a power of ten, got %ld", n);
}

static inline void skynet_check(long n, uint64_t r)
{
    uint64_t want = (uint64_t)n * (uint64_t)(n - 1) / 2;
    if (r != want)
        bench_fail("skynet(%ld) = %" PRIu64 ", expected %" PRIu64, n, r, want);
}

#endif /* BENCH_SKYNET_H */
