/* fib: fib(n) spawning fib(n-1), calling fib(n-2), then syncing; no cutoff, so
 * it measures nothing but the cost of a spawn+sync pair (fib(n+1)-1 pairs). */
#ifndef BENCH_FIB_H
#define BENCH_FIB_H

#include "common/bench.h"

/* The closed form the result is checked against (iterative; n <= 93). */
static inline uint64_t fib_expected(long n)
{
    uint64_t a = 0, b = 1;
    for (long i = 0; i < n; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    return a;
}

static inline void fib_check(long n, uint64_t r)
{
    if (n > 93)
        bench_fail("fib(%ld) overflows 64 bits", n);
    if (r != fib_expected(n))
        bench_fail("fib(%ld) = %" PRIu64 ", expected %" PRIu64, n, r, fib_expected(n));
}

#endif /* BENCH_FIB_H */
