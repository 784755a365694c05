/* tbb_util.h - oneTBB setup shared by the tbb programs: the thread count via
 * global_control (as oneTBB documents), and a warm-up parallel_for so the
 * worker threads exist before timing. */
#ifndef BENCH_TBB_UTIL_H
#define BENCH_TBB_UTIL_H

#include <atomic>
#include <memory>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "bench.h"

static inline std::unique_ptr<tbb::global_control> bench_tbb_setup(int threads)
{
    auto gc = std::make_unique<tbb::global_control>(
        tbb::global_control::max_allowed_parallelism, (size_t)threads);
    std::atomic<long> sink{0};
    for (int i = 0; i < 3; i++)
        tbb::parallel_for(0, threads * 4096, [&](int j) {
            if ((j & 1023) == 0)
                sink.fetch_add(1, std::memory_order_relaxed);
        });
    if (sink.load() != 3L * threads * 4)
        bench_fail("tbb warm-up lost iterations");
    return gc;
}

#endif /* BENCH_TBB_UTIL_H */
