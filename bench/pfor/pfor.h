/* pfor: a parallel loop with uneven iterations: iteration i runs (i % 1024)
 * xorshift64 steps from i+1 and adds the final state to a 64-bit sum, so work
 * per iteration rises and falls in a sawtooth of period 1024 (0 to ~1 us).
 * Tests a loop scheduler's balance; checked against a serial recount. */
#ifndef BENCH_PFOR_H
#define BENCH_PFOR_H

#include "common/bench.h"

/* OpenMP's schedule(dynamic) chunk: 64 iterations, ~25 us of work, so the
 * shared counter is touched 16x less often than with the default chunk of 1
 * while a 1024-iteration period is still spread over 16 chunks (no tail). */
#ifndef PFOR_OMP_CHUNK
#define PFOR_OMP_CHUNK 64
#endif

static inline uint64_t pfor_iter(uint64_t i)
{
    uint64_t x = i + 1;
    for (uint64_t s = i % 1024; s > 0; s--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

static inline uint64_t pfor_range(size_t lo, size_t hi)
{
    uint64_t sum = 0;
    for (size_t i = lo; i < hi; i++)
        sum += pfor_iter(i);
    return sum;
}

static inline void pfor_check(long n, uint64_t r)
{
    uint64_t want = pfor_range(0, (size_t)n);
    if (r != want)
        bench_fail("pfor(%ld) = %" PRIu64 ", expected %" PRIu64, n, r, want);
}

#endif /* BENCH_PFOR_H */
